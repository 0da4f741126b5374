import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageReadError, TransformError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import {
  Compose,
  EnsureChannelFirstd,
  LoadImaged,
  MapTransform,
  RandomizableMapTransform,
  isRandomizable,
  isTransform,
} from '../../transforms/index.js';
import { type DataItem } from '../../transforms/transform.js';
import { firstRandomIndex } from '../../transforms/compose.js';
import { markInvertible, popOperation, pushOperation } from '../../transforms/invertible.js';
import { GOLDEN_DIR } from '../support/golden.js';

/** Records the seed-driven draw it made, so tests can check seeding. */
class Draw extends RandomizableMapTransform {
  constructor() {
    super({ keys: ['x'], prob: 1 });
  }
  async apply(d: DataItem): Promise<DataItem> {
    return { ...d, [`draw${String(d.n ?? 0)}`]: this.R.randint(2 ** 32, undefined, { dtype: 'uint32' }) };
  }
}

class Split extends MapTransform<DataItem[]> {
  async apply(d: DataItem): Promise<DataItem[]> {
    return [0, 1, 2].map((i) => ({ ...d, i }));
  }
}

class AddOne extends MapTransform {
  constructor() {
    super({ keys: ['i'] });
    markInvertible(this);
  }
  async apply(d: DataItem): Promise<DataItem> {
    const out = { ...d };
    for (const k of this.keyIterator(d)) out[k] = (d[k] as number) + 1;
    return out;
  }
  async inverse(d: DataItem): Promise<DataItem> {
    return { ...d, i: (d.i as number) - 1, undone: [...((d.undone as string[]) ?? []), 'AddOne'] };
  }
}

const rng = JSON.parse(readFileSync(join(GOLDEN_DIR, 'rng.json'), 'utf8')) as {
  seeds: Record<string, Record<string, number[]>>;
};

describe('Compose', () => {
  it('seeds random children with one uint32 draw each, as MONAI (rng.json compose_child_seeds)', async () => {
    for (const seed of ['0', '42', '12345']) {
      const children = [new Draw(), new AddOne(), new Draw(), new Draw()];
      const c = new Compose(children).setRandomState(Number(seed));
      const expected = rng.seeds[seed]!['compose_child_seeds_randint_2pow32_uint32']!;
      // each random child got RandomState(childSeed): its first uint32 draw equals a fresh RandomState(childSeed)'s
      const { RandomState } = await import('../../src/random/index.js');
      const randomChildren = children.filter((t) => isRandomizable(t)) as Draw[];
      randomChildren.forEach((t, i) => {
        const fresh = new RandomState(expected[i]!);
        expect(t.R.randint(2 ** 32, undefined, { dtype: 'uint32' })).toBe(
          fresh.randint(2 ** 32, undefined, { dtype: 'uint32' }),
        );
      });
      expect(c.length).toBe(4);
    }
  });

  it('maps later steps over the list a multi-sample step returns', async () => {
    const c = new Compose<DataItem, DataItem[]>([new Split({ keys: ['x'] }), new AddOne()]);
    const out = await c.apply({ x: 1 });
    expect(out.map((d) => d.i)).toEqual([1, 2, 3]);
    const back = await c.inverse(out);
    expect(back.map((d) => d.i)).toEqual([0, 1, 2]);
  });

  it('runs a range of steps and finds the cache cut (first random step or bare function)', async () => {
    const fn = (d: DataItem) => ({ ...d, f: true });
    expect(firstRandomIndex(new Compose([new AddOne(), new Draw(), new AddOne()]))).toBe(1);
    expect(firstRandomIndex(new Compose([new AddOne(), fn, new Draw()]))).toBe(1);
    expect(firstRandomIndex(new Compose([new AddOne()]))).toBe(1);
    const c = new Compose([new AddOne(), new AddOne(), new AddOne()]);
    expect(await c.apply({ i: 0 }, { start: 1 })).toEqual({ i: 2 });
    expect(await c.apply({ i: 0 }, { end: 1 })).toEqual({ i: 1 });
    expect(isTransform(c)).toBe(true);
  });

  it('flattens nested Composes', () => {
    const c = new Compose([new AddOne(), new Compose([new AddOne(), new Compose([new AddOne()])])]);
    expect(c.flatten().length).toBe(3);
  });

  it('names the transform and key when a key is missing', async () => {
    const c = new Compose([new EnsureChannelFirstd({ keys: ['image'] })]);
    const err = await c.apply({ label: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransformError);
    expect((err as TransformError).transform).toBe('EnsureChannelFirstd');
    expect((err as TransformError).key).toBe('image');
    expect(String(err)).toMatch(/missing from the data item/);
    const ok = await new Compose([
      new EnsureChannelFirstd({ keys: ['image'], allowMissingKeys: true }),
    ]).apply({ label: 1 });
    expect(ok).toEqual({ label: 1 });
  });

  it('wraps errors of plain functions and keeps typed read errors', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    await expect(new Compose([boom]).apply({})).rejects.toThrow(TransformError);
    await expect(
      new Compose([new LoadImaged({ keys: 'image' })]).apply({ image: '/nonexistent/x.nii' }),
    ).rejects.toThrow(ImageReadError);
  });

  it('loads, stacks and moves channels like MONAI', async () => {
    const c = new Compose([
      new LoadImaged({ keys: ['image'], imageOnly: false }),
      new EnsureChannelFirstd({ keys: ['image'] }),
    ]);
    const out = (await c.apply({
      image: join(GOLDEN_DIR, 'inputs/nibabel/example_nifti2.nii.gz'),
    })) as DataItem;
    const img = out.image as MetaImage;
    expect(img.shape).toEqual([2, 32, 20, 12]);
    expect(img.dtype).toBe('float32');
    expect((out.image_meta_dict as Record<string, unknown>).spatial_shape).toEqual([32, 20, 12]);
    expect(pushOperation(img, 'X', [1]).class).toBe('X');
    expect(() => popOperation(img, 'Y')).toThrow(/last applied operation is X/);
    expect(popOperation(img, 'X').orig_size).toEqual([1]);
  });
});

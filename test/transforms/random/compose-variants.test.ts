import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import { RandomState } from '../../../src/random/index.js';
import {
  Compose,
  Flipd,
  OneOf,
  RandFlipd,
  RandomOrder,
  RandRotate90d,
  Rotate90d,
  SomeOf,
} from '../../../transforms/index.js';
import { type DataItem } from '../../../transforms/transform.js';
import { multinomial, numpySum } from '../../../src/random/multinomial.js';
import { ramp, values } from './helpers.js';

const item = () => ({ image: ramp([1, 4, 5]), label: ramp([1, 4, 5]), note: 'x' });

describe('OneOf', () => {
  it('applies exactly one transform, records the pick on every image and inverts it', async () => {
    const t = new OneOf(
      [new Flipd({ keys: ['image', 'label'], spatialAxis: 0 }), new Rotate90d({ keys: ['image', 'label'] })],
      {
        weights: [1, 3],
      },
    ).setRandomState(3);
    const input = item();
    const before = values(input.image);
    const seen = new Set<number>();
    for (let k = 0; k < 12; k++) {
      const out = (await t.apply(input)) as DataItem;
      const op = (out.image as MetaImage).appliedOperations.at(-1);
      expect(op?.class).toBe('OneOf');
      const index = op?.extra_info.index as number;
      seen.add(index);
      expect((out.image as MetaImage).appliedOperations).toHaveLength(2);
      expect((out.label as MetaImage).appliedOperations.at(-1)?.extra_info).toEqual({ index });
      expect(out.note).toBe('x');
      const back = (await t.inverse(out)) as DataItem;
      expect(values(back.image)).toEqual(before);
      expect((back.image as MetaImage).appliedOperations).toHaveLength(0);
    }
    expect([...seen].sort()).toEqual([0, 1]);
    expect(values(input.image)).toEqual(before);
  });

  it('normalises weights as MONAI and rejects bad ones', () => {
    expect(new OneOf([(x: unknown) => x, (x: unknown) => x], { weights: [1, 3] }).weights).toEqual([
      0.25, 0.75,
    ]);
    expect(new OneOf([(x: unknown) => x, (x: unknown) => x]).weights).toEqual([0.5, 0.5]);
    expect(() => new OneOf([(x: unknown) => x], { weights: [-1] })).toThrow(TransformError);
    expect(() => new OneOf([(x: unknown) => x, (x: unknown) => x], { weights: [0, 0] })).toThrow(/positive/);
    expect(() => new OneOf([(x: unknown) => x, (x: unknown) => x], { weights: [1] })).toThrow(
      /1 weights for 2 transforms/,
    );
  });

  it('is seeded by a parent Compose like any random child, and seeds its own children from its state', () => {
    const inner = [new RandFlipd({ keys: 'image' }), new RandRotate90d({ keys: 'image' })];
    const one = new OneOf(inner);
    new Compose([new Flipd({ keys: 'image' }), one]).setRandomState(42);
    const parent = new RandomState(42);
    const own = new RandomState(parent.randint(2 ** 32, undefined, { dtype: 'uint32' }));
    for (const child of inner)
      expect(child.R.rand()).toBe(
        new RandomState(own.randint(2 ** 32, undefined, { dtype: 'uint32' })).rand(),
      );
    expect(one.R.rand()).toBe(own.rand());
  });

  it('flattens nested OneOfs, multiplying their weights', () => {
    const a = (x: unknown) => x;
    const b = (x: unknown) => x;
    const c = (x: unknown) => x;
    const flat = new OneOf([a, new OneOf([b, c], { weights: [1, 3] })], { weights: [1, 1] }).flatten();
    expect(flat.transforms).toEqual([a, b, c]);
    expect(flat.weights).toEqual([0.5, 0.125, 0.375]);
  });

  it('returns the input when empty and refuses partial runs', async () => {
    const d = { x: 1 };
    expect(await new OneOf([]).apply(d)).toBe(d);
    await expect(new OneOf([(x: unknown) => x]).apply(d, { start: 1 })).rejects.toThrow(TransformError);
  });
});

describe('RandomOrder and SomeOf', () => {
  it('RandomOrder applies every transform once and inverts in reverse order', async () => {
    const t = new RandomOrder([
      new Flipd({ keys: 'image', spatialAxis: 0 }),
      new Rotate90d({ keys: 'image' }),
      new Flipd({ keys: 'image', spatialAxis: 1 }),
    ]).setRandomState(5);
    const input = { image: ramp([1, 4, 5]) };
    const out = (await t.apply(input)) as DataItem;
    const ops = (out.image as MetaImage).appliedOperations;
    expect(ops.map((o) => o.class)).toHaveLength(4);
    const order = ops.at(-1)?.extra_info.applied_order as number[];
    expect([...order].sort()).toEqual([0, 1, 2]);
    expect(ops.slice(0, 3).map((o) => o.class)).toEqual(order.map((i) => (i === 1 ? 'Rotate90' : 'Flip')));
    const back = (await t.inverse(out)) as DataItem;
    expect(values(back.image)).toEqual(values(input.image));
    expect((back.image as MetaImage).shape).toEqual([1, 4, 5]);
  });

  it('SomeOf applies a random subset within numTransforms and inverts it', async () => {
    const t = new SomeOf(
      [
        new Flipd({ keys: 'image', spatialAxis: 0 }),
        new Rotate90d({ keys: 'image' }),
        new Flipd({ keys: 'image', spatialAxis: 1 }),
      ],
      {
        numTransforms: [1, 2],
      },
    ).setRandomState(9);
    const input = { image: ramp([1, 4, 5]) };
    for (let k = 0; k < 8; k++) {
      const out = (await t.apply(input)) as DataItem;
      const order = (out.image as MetaImage).appliedOperations.at(-1)?.extra_info.applied_order as number[];
      expect(order.length).toBeGreaterThanOrEqual(1);
      expect(order.length).toBeLessThanOrEqual(2);
      expect(new Set(order).size).toBe(order.length);
      expect(values(((await t.inverse(out)) as DataItem).image)).toEqual(values(input.image));
    }
  });

  it('SomeOf validates numTransforms and weights', () => {
    const id = (x: unknown) => x;
    expect(() => new SomeOf([id, id], { numTransforms: [2, 1] })).toThrow(TransformError);
    expect(() => new SomeOf([id, id], { numTransforms: -1 })).toThrow(/numTransforms/);
    expect(() => new SomeOf([id, id], { weights: [1] })).toThrow(/1 weights for 2/);
    expect(new SomeOf([id, id, id], { numTransforms: 5 }).maxNumTransforms).toBe(3);
  });

  it('SomeOf reports impossible draws (fewer non-zero weights than transforms to pick) as a TransformError', async () => {
    const id = (x: unknown) => x;
    const t = new SomeOf([id, id, id], { numTransforms: 3, weights: [1, 0, 1] }).setRandomState(0);
    await expect(t.apply({})).rejects.toThrow(TransformError);
  });
});

describe('numpy helpers', () => {
  it('numpySum adds the first element to the pairwise sum of the rest, as np.sum', () => {
    const a = Array.from({ length: 200 }, (_, i) => 0.1 * (i % 7) + 1e-3 * i);
    let seq = 0;
    for (const v of a) seq += v;
    expect(Math.abs(numpySum(a) - seq)).toBeLessThan(1e-10);
    expect(numpySum([0.1, 0.2, 0.3])).toBe(0.1 + (0.2 + 0.3));
  });

  it('multinomial with n trials returns counts summing to n', () => {
    const R = new RandomState(1);
    const c = multinomial(R, 5, [0.2, 0.3, 0.5]);
    expect(c.reduce((s, v) => s + v, 0)).toBe(5);
    expect(() => multinomial(R, 1, [0.9, 0.9, 0.1])).toThrow(/sum/);
  });
});

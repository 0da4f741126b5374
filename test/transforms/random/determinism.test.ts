import { afterEach, describe, expect, it } from 'vitest';
import { RandomState } from '../../../src/random/index.js';
import {
  Compose,
  RandFlipd,
  RandGaussianNoised,
  getSeed,
  setDeterminism,
} from '../../../transforms/index.js';
import { type DataItem } from '../../../transforms/transform.js';
import { ramp, values } from './helpers.js';

const pipeline = () =>
  new Compose([
    new RandFlipd({ keys: 'image', prob: 0.5 }),
    new RandGaussianNoised({ keys: 'image', prob: 0.5 }),
  ]);

async function run(c: Compose, n = 6): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < n; i++)
    out.push(values(((await c.apply({ image: ramp([1, 3, 4]) })) as DataItem).image));
  return out;
}

afterEach(() => setDeterminism(null));

describe('setDeterminism', () => {
  it('seeds every Compose built afterwards, as MONAI (Compose.__init__ uses get_seed())', async () => {
    setDeterminism(7);
    const a = await run(pipeline());
    const b = await run(pipeline());
    expect(a).toEqual(b);
    setDeterminism(null);
    expect(await run(pipeline().setRandomState(7))).toEqual(a);
  });

  it('reduces seeds modulo 2**32, defaults to 2**32 - 1, clears with null and calls additionalSettings', () => {
    setDeterminism(2 ** 32 + 5);
    expect(getSeed()).toBe(5);
    setDeterminism(-1);
    expect(getSeed()).toBe(2 ** 32 - 1);
    setDeterminism();
    expect(getSeed()).toBe(2 ** 32 - 1);
    const got: number[] = [];
    setDeterminism(3, { additionalSettings: [(s) => got.push(s), (s) => got.push(s * 2)] });
    expect(got).toEqual([3, 6]);
    setDeterminism(null);
    expect(getSeed()).toBeUndefined();
    expect(() => setDeterminism(1.5)).toThrow(RangeError);
  });

  it('leaves transforms created outside a Compose alone', () => {
    setDeterminism(0);
    const t = new RandFlipd({ keys: 'image' });
    // not seeded with 0: its first draw differs from RandomState(0)'s (entropy-seeded)
    expect(t.R.rand()).not.toBe(new RandomState(0).rand());
  });

  it('without it, two composes differ (entropy seeding)', async () => {
    expect(await run(pipeline(), 4)).not.toEqual(await run(pipeline(), 4));
  });
});

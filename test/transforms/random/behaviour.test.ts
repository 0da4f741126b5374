/** Behaviour of the random transforms beyond the draws: options, errors, keys, immutability. */
import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import {
  Rand2DElasticd,
  Rand3DElasticd,
  RandAdjustContrast,
  RandAffined,
  RandBiasFieldd,
  RandCoarseDropout,
  RandCoarseDropoutd,
  RandCropByLabelClassesd,
  RandCropByPosNegLabeld,
  RandFlipd,
  RandGaussianNoised,
  RandGaussianSmoothd,
  RandHistogramShift,
  RandHistogramShiftd,
  RandRotate90d,
  RandRotated,
  RandScaleIntensity,
  RandScaleIntensityd,
  RandShiftIntensityd,
  RandSpatialCropd,
  RandWeightedCropd,
  RandZoomd,
  type Transform,
} from '../../../transforms/index.js';
import { type DataItem } from '../../../transforms/transform.js';
import { mapBinaryToIndices } from '../../../transforms/utility/fg-bg-to-indices.js';
import { mapClassesToIndices } from '../../../transforms/crop-pad/rand-crop-utils.js';
import { image, ramp, values } from './helpers.js';

const shape = [2, 9, 8, 7];
const label = () => image([1, 9, 8, 7], ([i, j]) => ((i as number) > 4 && (j as number) > 3 ? 1 : 0));

/** Every random dictionary transform with prob 1, on an item with image + label. */
function all(): [string, Transform][] {
  const keys = ['image', 'label'];
  return [
    ['RandFlipd', new RandFlipd({ keys, prob: 1 })],
    ['RandRotate90d', new RandRotate90d({ keys, prob: 1 })],
    ['RandRotated', new RandRotated({ keys, prob: 1, rangeX: 0.2, rangeY: 0.1, rangeZ: 0.1 })],
    ['RandZoomd', new RandZoomd({ keys, prob: 1 })],
    [
      'RandAffined',
      new RandAffined({ keys, prob: 1, rotateRange: [0.1, 0.1, 0.1], mode: ['bilinear', 'nearest'] }),
    ],
    ['Rand3DElasticd', new Rand3DElasticd({ keys, prob: 1, sigmaRange: [1, 2], magnitudeRange: [1, 2] })],
    ['RandSpatialCropd', new RandSpatialCropd({ keys, roiSize: [5, 5, 5], randomSize: true })],
    [
      'RandCropByPosNegLabeld',
      new RandCropByPosNegLabeld({ keys, labelKey: 'label', spatialSize: [4, 4, 4], numSamples: 2 }),
    ],
    [
      'RandCropByLabelClassesd',
      new RandCropByLabelClassesd({
        keys,
        labelKey: 'label',
        numClasses: 2,
        spatialSize: [4, 4, 4],
        numSamples: 2,
      }),
    ],
    [
      'RandWeightedCropd',
      new RandWeightedCropd({ keys, wKey: 'label', spatialSize: [4, 4, 4], numSamples: 2 }),
    ],
    ['RandGaussianNoised', new RandGaussianNoised({ keys: ['image'], prob: 1 })],
    ['RandShiftIntensityd', new RandShiftIntensityd({ keys: ['image'], offsets: 2, prob: 1 })],
    ['RandScaleIntensityd', new RandScaleIntensityd({ keys: ['image'], factors: 0.5, prob: 1 })],
    ['RandGaussianSmoothd', new RandGaussianSmoothd({ keys: ['image'], prob: 1 })],
    ['RandHistogramShiftd', new RandHistogramShiftd({ keys: ['image'], prob: 1 })],
    ['RandBiasFieldd', new RandBiasFieldd({ keys: ['image'], prob: 1 })],
    ['RandCoarseDropoutd', new RandCoarseDropoutd({ keys, holes: 3, spatialSize: 2, prob: 1 })],
  ];
}

describe('all random dictionary transforms', () => {
  it('never modify their input, and give the same output for the same seed', async () => {
    for (const [name, t] of all()) {
      const input = { image: ramp(shape), label: label(), other: 'kept' };
      const before = [values(input.image), values(input.label)];
      const run = async () => {
        (t as unknown as { setRandomState(s: number): void }).setRandomState(17);
        return t.apply(input);
      };
      const a = await run();
      const b = await run();
      expect([values(input.image), values(input.label)], name).toEqual(before);
      expect(input.image.appliedOperations, name).toEqual([]);
      const items = (Array.isArray(a) ? a : [a]) as DataItem[];
      const again = (Array.isArray(b) ? b : [b]) as DataItem[];
      items.forEach((it, i) => {
        expect(it.other, name).toBe('kept');
        expect(values(it.image), name).toEqual(values((again[i] as DataItem).image));
      });
    }
  });

  it('name the transform and the key when a key is missing, and skip it with allowMissingKeys', async () => {
    for (const [name, t] of all()) {
      await expect(
        t
          .apply({ image: ramp(shape), label: label(), misc: 1 } as DataItem)
          .then(() => t.apply({ label: label() })),
        name,
      ).rejects.toThrow(TransformError);
    }
    const t = new RandFlipd({ keys: ['image', 'nope'], prob: 1, allowMissingKeys: true });
    const out = await t.apply({ image: ramp(shape) });
    expect('nope' in out).toBe(false);
    const e = await new RandRotate90d({ keys: ['image'], prob: 1 })
      .apply({ image: 'path.nii' })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TransformError);
    expect((e as TransformError).key).toBe('image');
  });

  it('with prob 0 leave values unchanged (spatial steps record a not-applied operation)', async () => {
    const input = { image: ramp(shape), label: label() };
    for (const t of [
      new RandFlipd({ keys: ['image'], prob: 0 }),
      new RandRotate90d({ keys: ['image'], prob: 0 }),
      new RandZoomd({ keys: ['image'], prob: 0 }),
    ]) {
      const out = await t.apply(input);
      expect(values(out.image)).toEqual(values(input.image));
      expect((out.image as MetaImage).appliedOperations.at(-1)?.do_transforms).toBe(false);
    }
    for (const t of [
      new RandGaussianNoised({ keys: ['image'], prob: 0 }),
      new RandHistogramShiftd({ keys: ['image'], prob: 0 }),
    ]) {
      expect(values((await t.apply(input)).image)).toEqual(values(input.image));
    }
  });
});

describe('options and errors', () => {
  it('reject invalid options with a TransformError', () => {
    expect(() => new RandAdjustContrast({ gamma: 0.3 })).toThrow(/greater than 0.5/);
    expect(() => new RandHistogramShift({ numControlPoints: 2 })).toThrow(TransformError);
    expect(() => new RandCoarseDropout({ holes: 0, spatialSize: 2 })).toThrow(/holes/);
    expect(() => new RandCoarseDropout({ holes: 3, maxHoles: 1, spatialSize: 2 })).toThrow(/maxHoles/);
    expect(() => new RandScaleIntensity({ factors: [1, 2, 3] as unknown as [number, number] })).toThrow(
      /pair/,
    );
    expect(() => new RandCropByPosNegLabeld({ keys: ['image'], spatialSize: 4 } as never)).toThrow(
      /labelKey/,
    );
    expect(
      () =>
        new RandCropByPosNegLabeld({ keys: ['image'], labelKey: 'label', spatialSize: 4, pos: 0, neg: 0 }),
    ).toThrow(/both be 0/);
    expect(() => new RandFlipd({ keys: [] })).toThrow(TransformError);
    expect(() => new RandRotated({ keys: ['a'], rangeX: 'x' as never })).toThrow(/rangeX/);
    expect(() => new RandAffined({ keys: ['a', 'b'], mode: ['bilinear', 'nearest', 'nearest'] })).toThrow(
      TransformError,
    );
  });

  it('a crop larger than the image is an error unless allowSmaller', async () => {
    const input = { image: ramp(shape), label: label() };
    const big = { keys: ['image', 'label'], labelKey: 'label', spatialSize: [12, 4, 4] };
    await expect(new RandCropByPosNegLabeld(big).apply(input)).rejects.toThrow(/allowSmaller/);
    const out = await new RandCropByPosNegLabeld({ ...big, allowSmaller: true })
      .setRandomState(1)
      .apply(input);
    expect((out[0]?.image as MetaImage).shape).toEqual([2, 9, 4, 4]);
  });

  it('RandSpatialCropd rejects a minimum size above the maximum', async () => {
    const t = new RandSpatialCropd({
      keys: ['image'],
      roiSize: [6, 6, 6],
      maxRoiSize: [4, 4, 4],
      randomSize: true,
    });
    await expect(t.apply({ image: ramp(shape) })).rejects.toThrow(/larger than max ROI size/);
  });

  it('RandGaussianNoised requires keys of the same shape (one noise array for all keys)', async () => {
    const t = new RandGaussianNoised({ keys: ['a', 'b'], prob: 1 });
    await expect(t.apply({ a: ramp([1, 3, 3]), b: ramp([1, 4, 3]) })).rejects.toThrow(/same shape/);
  });

  it('elastic transforms need 2D / 3D images', async () => {
    await expect(
      new Rand2DElasticd({ keys: ['image'], spacing: 3, magnitudeRange: [1, 2], prob: 1 }).apply({
        image: ramp(shape),
      }),
    ).rejects.toThrow(/2D/);
    const out = await new Rand2DElasticd({
      keys: ['a'],
      spacing: [3, 3],
      magnitudeRange: [1, 2],
      prob: 1,
      spatialSize: [6, 5],
    })
      .setRandomState(0)
      .apply({ a: ramp([1, 9, 8]) });
    expect((out.a as MetaImage).shape).toEqual([1, 6, 5]);
  });
});

describe('crop sources', () => {
  it('RandCropByPosNegLabeld uses precomputed fg/bg indices and removes their keys', async () => {
    const lab = label();
    const { fg, bg } = mapBinaryToIndices(lab);
    const opts = { keys: ['image', 'label'], labelKey: 'label', spatialSize: [4, 4, 4], numSamples: 3 };
    const a = await new RandCropByPosNegLabeld(opts)
      .setRandomState(5)
      .apply({ image: ramp(shape), label: lab });
    const b = await new RandCropByPosNegLabeld({ ...opts, fgIndicesKey: 'fg', bgIndicesKey: 'bg' })
      .setRandomState(5)
      .apply({ image: ramp(shape), label: lab, fg: Array.from(fg), bg });
    expect(b.map((o) => (o.image as MetaImage).meta.crop_center)).toEqual(
      a.map((o) => (o.image as MetaImage).meta.crop_center),
    );
    expect('fg' in (b[0] as DataItem)).toBe(false);
    expect('bg' in (b[0] as DataItem)).toBe(false);
    expect((b[1]?.image as MetaImage).meta.patch_index).toBe(1);
  });

  it('RandCropByLabelClassesd with indicesKey, one-hot labels and a class without voxels', async () => {
    const lab = label();
    const oneHot = new MetaImage({
      data: new Float32Array([...values(lab).map((v) => 1 - v), ...values(lab)]),
      shape: [2, 9, 8, 7],
    });
    const indices = mapClassesToIndices(oneHot);
    expect(indices.map((x) => x.length)).toEqual([
      values(lab).filter((v) => v === 0).length,
      values(lab).filter((v) => v === 1).length,
    ]);
    const opts = {
      keys: ['image'],
      labelKey: 'label',
      spatialSize: [3, 3, 3],
      numSamples: 4,
      ratios: [0, 1],
    };
    const a = await new RandCropByLabelClassesd(opts)
      .setRandomState(9)
      .apply({ image: ramp(shape), label: oneHot });
    const b = await new RandCropByLabelClassesd({ ...opts, indicesKey: 'idx' })
      .setRandomState(9)
      .apply({ image: ramp(shape), label: oneHot, idx: indices });
    const centers = a.map((o) => (o.image as MetaImage).meta.crop_center as number[]);
    expect(b.map((o) => (o.image as MetaImage).meta.crop_center)).toEqual(centers);
    // ratio 0 for class 0: every centre is on the foreground (or moved next to it to fit the patch)
    for (const [i, j] of centers) expect((i as number) >= 4 && (j as number) >= 3).toBe(true);
    await expect(
      new RandCropByLabelClassesd({ ...opts, numClasses: null }).apply({ image: ramp(shape), label: lab }),
    ).rejects.toThrow(/numClasses/);
  });

  it('RandWeightedCropd samples uniformly when all weights are zero', async () => {
    const zero = image([1, 9, 8, 7]);
    const out = await new RandWeightedCropd({
      keys: ['image'],
      wKey: 'w',
      spatialSize: [3, 3, 3],
      numSamples: 4,
    })
      .setRandomState(2)
      .apply({ image: ramp(shape), w: zero });
    expect(out).toHaveLength(4);
    for (const o of out) {
      const c = (o.image as MetaImage).meta.crop_center as number[];
      expect(c.every((v, d) => v >= 1 && v <= [9, 8, 7][d]! - 2)).toBe(true);
    }
  });
});

describe('intensity options', () => {
  it('RandShiftIntensityd multiplies the offset by the meta factor', async () => {
    const t = new RandShiftIntensityd({ keys: ['image'], offsets: [1, 1], prob: 1, factorKey: 'scale' });
    const out = await t.apply({ image: ramp([1, 2, 2]), image_meta_dict: { scale: 3 } });
    expect(values(out.image)).toEqual(values(ramp([1, 2, 2])).map((v) => v + 3));
  });

  it('channel-wise scaling draws one factor per channel', async () => {
    const t = new RandScaleIntensity({ factors: [0.1, 0.9], prob: 1, channelWise: true }).setRandomState(0);
    const out = await t.apply(ramp([3, 2, 2]));
    expect(t.factor).toHaveLength(3);
    const f = t.factor as number[];
    const src = values(ramp([3, 2, 2]));
    values(out).forEach((v, i) =>
      expect(v).toBeCloseTo((src[i] as number) * (1 + (f[Math.floor(i / 4)] as number)), 3),
    );
  });

  it('RandCoarseDropout keeps the holes and fills the rest with dropoutHoles: false', async () => {
    const t = new RandCoarseDropout({
      holes: 1,
      spatialSize: [2, 2],
      dropoutHoles: false,
      fillValue: -1,
      prob: 1,
    }).setRandomState(3);
    const out = await t.apply(ramp([1, 5, 5]));
    const kept = values(out).filter((v) => v !== -1);
    expect(kept).toHaveLength(4);
  });
});

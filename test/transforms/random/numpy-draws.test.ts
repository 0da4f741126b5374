/**
 * Our random transforms against numpy: test/fixtures/random-transforms/numpy-draws.json holds what
 * numpy's legacy RandomState draws in MONAI 1.4's order for the same seeds and options (see the
 * fixture's README). Each test runs the transform and compares the parameters it drew.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetaImage } from '../../../src/image/meta-image.js';
import {
  OneOf,
  Rand2DElastic,
  Rand3DElastic,
  RandAffined,
  RandBiasField,
  RandCoarseDropoutd,
  RandCropByLabelClassesd,
  RandCropByPosNegLabeld,
  RandGaussianNoise,
  RandHistogramShift,
  RandomOrder,
  RandRotated,
  RandSpatialCropSamplesd,
  RandWeightedCropd,
  RandZoomd,
  SomeOf,
} from '../../../transforms/index.js';
import { type DataItem } from '../../../transforms/transform.js';

const FIX = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/random-transforms/numpy-draws.json'), 'utf8'),
) as Record<string, any>;

const f = Math.fround;

function image(shape: number[], fn: (idx: number[]) => number = () => 0): MetaImage {
  const sp = shape.slice(1);
  const n = sp.reduce((a, b) => a * b, 1);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let v = 0; v < n; v++) {
    const idx: number[] = [];
    let r = v;
    for (let d = sp.length - 1; d >= 0; d--) {
      idx[d] = r % (sp[d] as number);
      r = Math.floor(r / (sp[d] as number));
    }
    for (let c = 0; c < (shape[0] as number); c++) data[c * n + v] = fn(idx);
  }
  return new MetaImage({ data, shape });
}

/** A step that records its index in `d.order` (a plain function: not randomizable, draws nothing). */
const marker = (i: number) => (d: DataItem) => ({ ...d, order: [...((d.order as number[]) ?? []), i] });

describe('Compose variants draw as numpy (multinomial, permutation, randint + choice)', () => {
  it('OneOf picks R.multinomial(1, weights).argmax()', async () => {
    for (const s of FIX.one_of) {
      const steps = (s.weights as number[]).map((_, i) => marker(i));
      const t = new OneOf(steps, { weights: s.weights }).setRandomState(s.seed);
      const picks: number[] = [];
      for (let k = 0; k < s.picks.length; k++)
        picks.push(((await t.apply({})) as DataItem & { order: number[] }).order[0] as number);
      expect(picks, `seed ${s.seed} weights ${s.weights}`).toEqual(s.picks);
    }
  });

  it('RandomOrder applies R.permutation(n)', async () => {
    for (const s of FIX.random_order) {
      const t = new RandomOrder([0, 1, 2, 3].map(marker)).setRandomState(s.seed);
      for (const order of s.orders) expect(((await t.apply({})) as { order: number[] }).order).toEqual(order);
    }
  });

  it('SomeOf applies R.choice(n, R.randint(min, max + 1), replace, p)', async () => {
    for (const s of FIX.some_of) {
      const t = new SomeOf([0, 1, 2, 3].map(marker), {
        numTransforms: s.num,
        replace: s.replace,
        weights: s.weights,
      }).setRandomState(s.seed);
      for (const order of s.orders)
        expect(((await t.apply({})) as { order?: number[] }).order ?? []).toEqual(order);
    }
  });
});

describe('random intensity transforms draw as numpy over several calls', () => {
  it('RandHistogramShift: rand, randint(min, max + 1), one uniform per inner control point', async () => {
    const s = FIX.rand_histogram_shift;
    const t = new RandHistogramShift({ numControlPoints: s.num_control_points, prob: s.prob }).setRandomState(
      s.seed,
    );
    const img = image([1, 6, 7], ([a, b]) => (a as number) * 7 + (b as number));
    for (const c of s.calls) {
      await t.apply(img);
      expect(t.doTransform).toBe(c.fired);
      if (c.fired) expect(t.floatingControlPoints).toEqual(c.floating);
    }
  });

  it('RandBiasField: rand, then uniform(low, high, C(degree + ndim, ndim))', async () => {
    for (const rank of [2, 3]) {
      const s = FIX[`rand_bias_field_${rank}d`];
      const t = new RandBiasField({
        degree: s.degree,
        coeffRange: s.coeff_range,
        prob: s.prob,
      }).setRandomState(s.seed);
      const img = image(rank === 2 ? [1, 5, 6] : [1, 4, 5, 6], () => 1);
      for (const c of s.calls) {
        const out = await t.apply(img);
        expect(t.doTransform).toBe(c.fired);
        if (c.fired) {
          expect(t.coeff).toEqual(c.coeff);
          expect(out.data.some((v) => v !== 1)).toBe(true);
        }
      }
    }
  });

  it('RandCoarseDropoutd: holes sized from the previous hole (as MONAI), random fills drawn per key', async () => {
    const s = FIX.rand_coarse_dropoutd;
    const t = new RandCoarseDropoutd({
      keys: ['a', 'b'],
      holes: 2,
      maxHoles: 5,
      spatialSize: 2,
      maxSpatialSize: 4,
      fillValue: [0, 1],
      prob: 0.8,
    }).setRandomState(s.seed);
    const shape = [1, ...s.shape];
    const item = { a: image(shape, () => -5), b: image(shape, () => -5) };
    for (const c of s.calls) {
      const out = await t.apply(item);
      expect(t.doTransform).toBe(c.fired);
      if (!c.fired) continue;
      expect(t.inner.holeCoords).toEqual(c.holes);
      // the last hole is not overwritten: its first voxels hold the first fill values of each key
      const last = c.holes.length - 1;
      const box = c.holes[last] as [number, number][];
      const [x, y, z] = box.map((b) => b[0]);
      const [, sy, sz] = s.shape as number[];
      const at = ((x as number) * (sy as number) + (y as number)) * (sz as number) + (z as number);
      ['a', 'b'].forEach((k, ki) => {
        const data = (out[k] as MetaImage).data;
        expect([data[at], data[at + 1]]).toEqual(c.first_fills[ki][last].map(f));
      });
    }
  });

  it('RandGaussianNoise: rand, uniform(0, std), normal(mean, std, size)', async () => {
    const s = FIX.rand_gaussian_noise;
    const t = new RandGaussianNoise({ prob: 0.5, std: 0.3 }).setRandomState(s.seed);
    const img = image([1, 5, 8]);
    for (const c of s.calls) {
      const out = await t.apply(img);
      expect(t.doTransform).toBe(c.fired);
      if (c.fired) expect(Array.from(out.data.subarray(0, 3))).toEqual(c.noise.map(f));
    }
  });
});

describe('random crops draw as numpy over several calls', () => {
  const shape = [10, 9, 8];
  it('RandCropByLabelClassesd: choice(classes, p=ratios), then randint per sample', async () => {
    const s = FIX.rand_crop_by_label_classesd;
    const label = image([1, ...shape], ([i, j, k]) => {
      const v = ((i as number) + 2 * (j as number) + 3 * (k as number)) % 3;
      return v === 1 && (i as number) < 5 ? 0 : v;
    });
    const t = new RandCropByLabelClassesd({
      keys: ['label'],
      labelKey: 'label',
      spatialSize: s.spatial_size,
      ratios: s.ratios,
      numClasses: 3,
      numSamples: 4,
    }).setRandomState(s.seed);
    for (const c of s.calls) {
      const out = await t.apply({ label });
      expect(t.cropper.centers).toEqual(c.centers);
      expect(out.map((o) => (o.label as MetaImage).meta.crop_center)).toEqual(c.centers);
      expect(out.every((o) => (o.label as MetaImage).shape.join() === [1, ...s.spatial_size].join())).toBe(
        true,
      );
    }
  });

  it('RandCropByPosNegLabeld with imageKey/imageThreshold: rand() < pos/(pos+neg), randint', async () => {
    const s = FIX.rand_crop_by_pos_neg_labeld;
    const label = image([1, ...shape], ([i, j]) =>
      (i as number) >= 3 && (i as number) < 6 && (j as number) >= 2 && (j as number) < 5 ? 1 : 0,
    );
    const img = image([1, ...shape], ([i, j, k]) => ((i as number) + (j as number) + (k as number)) % 5);
    const t = new RandCropByPosNegLabeld({
      keys: ['image', 'label'],
      labelKey: 'label',
      imageKey: 'image',
      imageThreshold: 1,
      pos: 2,
      neg: 1,
      numSamples: 5,
      spatialSize: [4, 4, 4],
    }).setRandomState(s.seed);
    for (const centers of s.calls) {
      await t.apply({ image: img, label });
      expect(t.cropper.centers).toEqual(centers);
    }
  });

  it('RandWeightedCropd: float32 cumsum + searchsorted of random(n) * total', async () => {
    const s = FIX.rand_weighted_cropd;
    const w = image(
      [1, ...s.shape],
      ([i, j, k]) => ((7 * (i as number) + 3 * (j as number) + (k as number)) % 11) - 2,
    );
    const t = new RandWeightedCropd({
      keys: ['img'],
      wKey: 'w',
      spatialSize: [4, 5, 3],
      numSamples: 5,
    }).setRandomState(s.seed);
    for (const centers of s.calls) {
      const out = await t.apply({ img: w, w });
      expect(t.cropper.centers).toEqual(centers);
      expect(out).toHaveLength(5);
    }
  });

  it('RandSpatialCropSamplesd: one uint32 sub-seed per call', async () => {
    const s = FIX.rand_spatial_crop_samplesd;
    const t = new RandSpatialCropSamplesd({
      keys: ['a', 'b'],
      roiSize: [8, 8, 6],
      numSamples: 2,
    }).setRandomState(s.seed);
    const a = image([1, 20, 18, 12]);
    for (const c of s.calls) {
      const out = await t.apply({ a, b: a });
      expect(t.subSeed).toBe(c.sub_seed);
      const starts = out.map((o) => {
        const op = (o.a as MetaImage).appliedOperations.at(-1) as unknown as {
          extra_info: { extra_info: { cropped: number[] } };
        };
        const cr = op.extra_info.extra_info.cropped;
        return [cr[0], cr[2], cr[4]];
      });
      expect(starts).toEqual(c.starts);
      // every key gets the same patches
      out.forEach((o) =>
        expect((o.b as MetaImage).appliedOperations).toEqual((o.a as MetaImage).appliedOperations),
      );
    }
  });
});

describe('random spatial transforms draw as numpy over several calls', () => {
  it('RandAffined: wrapper, RandAffine and RandAffineGrid states; the second grid draw makes the matrix', async () => {
    const s = FIX.rand_affined;
    const t = new RandAffined({
      keys: ['a', 'b'],
      prob: 0.6,
      rotateRange: 0.4,
      translateRange: [2, 2],
      scaleRange: [0.1, 0.1],
      paddingMode: 'zeros',
    }).setRandomState(s.seed);
    const a = image([1, 12, 10], ([i, j]) => (i as number) + (j as number));
    for (const c of s.calls) {
      const out = await t.apply({ a, b: a });
      const op = (out.a as MetaImage).appliedOperations.at(-1) as unknown as {
        do_transforms: boolean;
        extra_info: { extra_info: { affine: number[][] } };
      };
      expect(op.do_transforms).toBe(c.fired);
      if (c.fired) expect(op.extra_info.extra_info.affine).toEqual(c.affine);
    }
  });

  it('RandRotated: the inner RandRotate draws rand + three angles on every call', async () => {
    const s = FIX.rand_rotated;
    const t = new RandRotated({ keys: ['a'], prob: 0.5, rangeX: 0.5 }).setRandomState(s.seed);
    const a = image([1, 8, 9]);
    for (const c of s.calls) {
      await t.apply({ a });
      expect(t.doTransform).toBe(c.fired);
      expect(t.randRotate.x).toBe(c.x);
    }
  });

  it('RandZoomd: two factors on a 3D image mean (in-plane, depth)', async () => {
    const s = FIX.rand_zoomd;
    const t = new RandZoomd({
      keys: ['a'],
      prob: 0.5,
      minZoom: [0.8, 0.9],
      maxZoom: [1.2, 1.1],
    }).setRandomState(s.seed);
    const a = image([1, 8, 9, 10]);
    for (const c of s.calls) {
      const out = await t.apply({ a });
      expect(t.doTransform).toBe(c.fired);
      expect(t.randZoom.zoomFactors).toEqual(c.zoom);
      expect((out.a as MetaImage).shape).toEqual([1, 8, 9, 10]);
    }
  });

  it('Rand3DElastic: rand, uniform offsets (float32), magnitude, sigma, then two affine draws', async () => {
    const s = FIX.rand_3d_elastic;
    const t = new Rand3DElastic({
      sigmaRange: [1, 2],
      magnitudeRange: [3, 5],
      prob: 0.9,
      rotateRange: 0.1,
    }).setRandomState(s.seed);
    const img = image([1, 8, 9, 10], ([i]) => i as number);
    for (const c of s.calls) {
      const out = await t.apply(img);
      expect(t.doTransform).toBe(c.fired);
      expect(out.shape).toEqual([1, 8, 9, 10]);
      if (!c.fired) continue;
      expect(Array.from(t.randOffset.subarray(0, 3))).toEqual(c.offset_head.map(f));
      expect(t.magnitude).toBe(c.magnitude);
      expect(t.sigma).toBe(c.sigma);
      expect(t.randAffineGrid.rotateParams).toEqual([c.rotate]);
    }
  });

  it('Rand2DElastic: full-size draw, then the control grid draw (normal + magnitude) and two affine draws', async () => {
    const s = FIX.rand_2d_elastic;
    const t = new Rand2DElastic({
      spacing: [5, 5],
      magnitudeRange: [1, 2],
      prob: 0.9,
      scaleRange: 0.1,
    }).setRandomState(s.seed);
    const img = image([1, 24, 20], ([i, j]) => (i as number) * 20 + (j as number));
    for (const c of s.calls) {
      const out = await t.apply(img);
      expect(t.doTransform).toBe(c.fired);
      expect(out.shape).toEqual([1, 24, 20]);
      if (!c.fired) continue;
      const n = c.control_shape.reduce((a: number, b: number) => a * b, 1);
      expect(t.deformGrid.randomOffset.length).toBe(2 * n);
      expect(Array.from(t.deformGrid.randomOffset.subarray(0, 3))).toEqual(c.offset_head.map(f));
      expect(t.deformGrid.randMag).toBe(c.magnitude);
      expect(t.randAffineGrid.scaleParams).toEqual([c.scale]);
    }
  });
});

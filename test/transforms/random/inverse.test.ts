/** Inverting the random transforms: every random spatial/crop transform undoes itself from its trace. */
import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import {
  Compose,
  RandAffine,
  RandAffined,
  RandCropByLabelClassesd,
  RandCropByPosNegLabeld,
  RandFlip,
  RandFlipd,
  RandRotate,
  RandRotate90,
  RandRotate90d,
  RandRotated,
  RandScaleCropd,
  RandSpatialCrop,
  RandSpatialCropd,
  RandSpatialCropSamplesd,
  RandWeightedCropd,
  RandZoom,
  RandZoomd,
} from '../../../transforms/index.js';
import { type DataItem } from '../../../transforms/transform.js';
import { image, ramp, values } from './helpers.js';

const img3 = () => ramp([1, 8, 7, 6]);

describe('exact inverses (flip, rot90) restore the data and clear the trace', () => {
  for (const [name, make] of [
    ['RandFlipd', () => new RandFlipd({ keys: ['image', 'label'], prob: 1, spatialAxis: [0, 2] })],
    ['RandRotate90d', () => new RandRotate90d({ keys: ['image', 'label'], prob: 1, spatialAxes: [1, 2] })],
  ] as const) {
    it(name, async () => {
      const t = make().setRandomState(4);
      const input = { image: img3(), label: img3() };
      const out = await t.apply(input);
      expect(values(out.image)).not.toEqual(values(input.image));
      const back = await t.inverse(out);
      for (const k of ['image', 'label']) {
        expect(values(back[k])).toEqual(values(input[k as 'image']));
        expect((back[k] as MetaImage).appliedOperations).toEqual([]);
        // rot90 composes cos/sin(pi/2) affines: equal up to float64 round-off
        (back[k] as MetaImage).affine.forEach((v, i) =>
          expect(Math.abs(v - (input.image.affine[i] as number))).toBeLessThan(1e-12),
        );
      }
    });
  }

  it('array versions (RandFlip, RandRotate90) and the not-fired case', async () => {
    const img = img3();
    for (const t of [new RandFlip({ prob: 1 }), new RandRotate90({ prob: 1 }), new RandFlip({ prob: 0 })]) {
      const out = await t.setRandomState(1).apply(img);
      expect(out.appliedOperations.at(-1)?.do_transforms).toBe(t.prob === 1);
      const back = await t.inverse(out);
      expect(values(back)).toEqual(values(img));
      expect(back.appliedOperations).toEqual([]);
    }
  });
});

describe('crops pad back to the original size', () => {
  it('RandSpatialCropd / RandScaleCropd / RandSpatialCrop', async () => {
    for (const t of [
      new RandSpatialCropd({ keys: ['image'], roiSize: [4, 3, 5] }),
      new RandScaleCropd({ keys: ['image'], roiScale: 0.5, randomSize: true }),
    ]) {
      const input = { image: img3() };
      const out = await t.setRandomState(2).apply(input);
      const back = await t.inverse(out);
      const b = back.image as MetaImage;
      expect(b.shape).toEqual([1, 8, 7, 6]);
      // voxels inside the crop are back in place, the rest is zero
      const src = values(input.image);
      values(b).forEach((v, i) => expect(v === 0 || v === src[i]).toBe(true));
      expect(Array.from(b.affine)).toEqual(Array.from(input.image.affine));
    }
    const c = new RandSpatialCrop({ roiSize: [3, 3, 3] }).setRandomState(0);
    expect((await c.inverse(await c.apply(img3()))).shape).toEqual([1, 8, 7, 6]);
  });

  it('multi-sample crops invert each sample through a Compose', async () => {
    const label = image([1, 8, 7, 6], ([i]) => ((i as number) > 3 ? 1 : 0));
    for (const t of [
      new RandSpatialCropSamplesd({ keys: ['image', 'label'], roiSize: [4, 4, 4], numSamples: 3 }),
      new RandCropByPosNegLabeld({
        keys: ['image', 'label'],
        labelKey: 'label',
        spatialSize: [4, 4, 4],
        numSamples: 3,
      }),
      new RandCropByLabelClassesd({
        keys: ['image', 'label'],
        labelKey: 'label',
        numClasses: 2,
        spatialSize: [4, 4, 4],
        numSamples: 3,
      }),
      new RandWeightedCropd({
        keys: ['image', 'label'],
        wKey: 'label',
        spatialSize: [4, 4, 4],
        numSamples: 3,
      }),
    ]) {
      const c = new Compose<DataItem, DataItem[]>([t]).setRandomState(8);
      const out = await c.apply({ image: img3(), label });
      expect(out).toHaveLength(3);
      const back = await c.inverse(out);
      for (const b of back) {
        expect((b.image as MetaImage).shape).toEqual([1, 8, 7, 6]);
        expect((b.label as MetaImage).appliedOperations).toEqual([]);
      }
    }
  });
});

describe('resampling inverses', () => {
  it('RandAffined: the inverse resamples back onto the original grid', async () => {
    const smooth = image(
      [1, 16, 15, 14],
      ([i, j, k]) => Math.sin((i as number) / 5) + Math.cos((j as number) / 6) + (k as number) / 10,
    );
    const t = new RandAffined({
      keys: ['image'],
      prob: 1,
      rotateRange: [0.1, 0.1, 0.1],
      scaleRange: 0.05,
      paddingMode: 'border',
    }).setRandomState(3);
    const out = await t.apply({ image: smooth });
    const back = (await t.inverse(out)).image as MetaImage;
    expect(back.shape).toEqual(smooth.shape);
    // centre voxels survive the round trip to interpolation accuracy
    const at = (m: MetaImage, i: number, j: number, k: number) => m.data[(i * 15 + j) * 14 + k] as number;
    for (const [i, j, k] of [
      [8, 7, 7],
      [6, 8, 5],
      [9, 6, 8],
    ] as const)
      expect(Math.abs(at(back, i, j, k) - at(smooth, i, j, k))).toBeLessThan(0.05);
    expect(back.appliedOperations).toEqual([]);
  });

  it('RandRotated / RandZoomd / RandAffine / RandRotate / RandZoom restore the shape; not-fired steps only pop', async () => {
    const img = img3();
    const dict = [
      new RandRotated({ keys: ['image'], prob: 1, rangeX: 0.3, keepSize: false }),
      new RandZoomd({ keys: ['image'], prob: 1, minZoom: 1.3, maxZoom: 1.4, keepSize: false }),
      new RandAffined({ keys: ['image'], prob: 0, spatialSize: [5, 9, 6] }),
      new RandRotated({ keys: ['image'], prob: 0, rangeX: 0.3 }),
    ];
    for (const t of dict) {
      const out = await t.setRandomState(6).apply({ image: img });
      const back = (await t.inverse(out)).image as MetaImage;
      expect(back.shape).toEqual(img.shape);
      expect(back.appliedOperations).toEqual([]);
    }
    for (const t of [
      new RandAffine({ prob: 1, rotateRange: [0.2], spatialSize: [6, 6, 6] }),
      new RandRotate({ prob: 1, rangeZ: 0.2 }),
      new RandZoom({ prob: 1, keepSize: false }),
    ]) {
      const out = await t.setRandomState(6).apply(img);
      const back = await t.inverse(out);
      expect(back.shape).toEqual(img.shape);
      expect(back.appliedOperations).toEqual([]);
    }
  });

  it('refuses to invert an image whose last operation is another transform', async () => {
    const t = new RandFlipd({ keys: ['image'], prob: 1 });
    await expect(t.inverse({ image: img3() })).rejects.toThrow(TransformError);
    const out = await new RandRotate90d({ keys: ['image'], prob: 1 }).apply({ image: img3() });
    await expect(t.inverse(out)).rejects.toThrow(/RandRotate90d, not RandFlipd/);
  });
});

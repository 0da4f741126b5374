/**
 * What MONAI 1.4's own unit tests found (issue 18, item 2): one test per behaviour, each checking
 * MONAI's result (or the documented option that gives it).
 */
import { describe, expect, it } from 'vitest';
import { TransformError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import {
  Activations,
  BorderPad,
  SpatialPad,
  CopyItemsd,
  KeepLargestConnectedComponent,
  RandCropByLabelClasses,
  RandCropByPosNegLabel,
  RandWeightedCrop,
  Resize,
  ResizeWithPadOrCrop,
  ScaleIntensityRangePercentiles,
  Spacing,
  SpatialCrop,
  SpatialResample,
} from '../../transforms/index.js';

function ramp(shape: number[], dtype: 'float32' | 'float64' | 'int32' = 'float32'): MetaImage {
  const n = shape.reduce((a, b) => a * b, 1);
  const data =
    dtype === 'int32' ? new Int32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = i % 7;
  return new MetaImage({ data, shape });
}

describe('output dtypes as MONAI', () => {
  it('Spacing and SpatialResample return float32 for an int32 image, also when nothing is resampled', async () => {
    expect((await new Spacing({ pixdim: [1, 1, 1] }).apply(ramp([1, 4, 4, 4], 'int32'))).dtype).toBe(
      'float32',
    );
    expect((await new Spacing({ pixdim: [2, 2, 2] }).apply(ramp([1, 4, 4, 4], 'int32'))).dtype).toBe(
      'float32',
    );
    expect((await new SpatialResample({}).apply(ramp([1, 4, 4, 4], 'int32'))).dtype).toBe('float32');
  });

  it('ScaleIntensityRangePercentiles returns dtype (float32 by default)', async () => {
    const o = { lower: 0, upper: 100, bMin: 0, bMax: 1 };
    expect((await new ScaleIntensityRangePercentiles(o).apply(ramp([1, 8], 'int32'))).dtype).toBe('float32');
    const f64 = await new ScaleIntensityRangePercentiles({ ...o, dtype: 'float64' }).apply(ramp([1, 8]));
    expect(f64.dtype).toBe('float64');
    expect(f64.data[1]).toBeCloseTo(1 / 6, 6);
  });

  it('Resize with -1 in spatialSize returns float32 for a float64 image', async () => {
    const out = await new Resize({ spatialSize: [-1, 8, 8] }).apply(ramp([1, 4, 4, 4], 'float64'));
    expect(out.dtype).toBe('float32');
    expect(out.shape).toEqual([1, 4, 8, 8]);
  });
});

describe('pad modes mean/median and per-axis constant values, as np.pad', () => {
  const a = new MetaImage({ data: Float32Array.from({ length: 12 }, (_, i) => i ** 1.5), shape: [1, 3, 4] });
  const round = (img: MetaImage) => Array.from(img.data, (v) => Math.round(v * 1e3) / 1e3);

  it('mean and median pad each line with its statistic, axis by axis (np.pad values)', async () => {
    const mean = await new BorderPad({ spatialBorder: [1, 2, 2, 1], mode: 'mean' }).apply(a);
    expect(mean.shape).toEqual([1, 6, 7]);
    expect(round(mean).slice(0, 7)).toEqual([14.93, 14.93, 10.209, 13.06, 16.383, 20.066, 14.93]);
    expect(round(mean).slice(7, 14)).toEqual([2.256, 2.256, 0, 1, 2.828, 5.196, 2.256]);
    const median = await new BorderPad({ spatialBorder: [1, 2, 2, 1], mode: 'median' }).apply(a);
    expect(round(median).slice(7, 14)).toEqual([1.914, 1.914, 0, 1, 2.828, 5.196, 1.914]);
    const ints = new MetaImage({ data: Int32Array.from({ length: 12 }, (_, i) => i), shape: [1, 3, 4] });
    const im = await new BorderPad({ spatialBorder: [1, 0, 0, 1], mode: 'mean' }).apply(ints);
    expect(Array.from(im.data)).toEqual([4, 5, 6, 7, 6, 0, 1, 2, 3, 2, 4, 5, 6, 7, 6, 8, 9, 10, 11, 10]);
  });

  it('constantValues per axis: corners take the later axis value', async () => {
    const out = await new SpatialPad({
      spatialSize: [5, 6],
      mode: 'constant',
      constantValues: [
        [0, 0],
        [1, 2],
        [3, 4],
      ],
    }).apply(a);
    expect(round(out).slice(0, 6)).toEqual([3, 1, 1, 1, 1, 4]);
    expect(round(out).slice(24, 30)).toEqual([3, 2, 2, 2, 2, 4]);
  });
});

describe('options MONAI takes', () => {
  it('ResizeWithPadOrCrop fills with constantValues and refuses unknown options', async () => {
    const out = await new ResizeWithPadOrCrop({ spatialSize: [6, 6, 6], constantValues: 3 }).apply(
      ramp([1, 4, 4, 4]),
    );
    expect(out.data[0]).toBe(3);
    expect(() => new ResizeWithPadOrCrop({ spatialSize: [6], bogus: 1 } as never)).toThrow(
      /unknown option 'bogus'/,
    );
  });

  it('CopyItemsd with names null names the copies as MONAI ({key}_{i}, listed key by key)', async () => {
    const a = ramp([1, 2]);
    const b = ramp([1, 3]);
    const d = await new CopyItemsd({ keys: ['a', 'b'], times: 2, names: null }).apply({ a, b });
    expect(Object.keys(d).sort()).toEqual(['a', 'a_0', 'a_1', 'b', 'b_0', 'b_1']);
    // copy 0 uses names[0..2) = a_0, a_1; copy 1 uses b_0, b_1 (MONAI's slicing of its name list)
    expect((d.a_1 as MetaImage).shape).toEqual([1, 3]);
    expect((d.b_0 as MetaImage).shape).toEqual([1, 2]);
  });

  it('Activations softmax over another dim', async () => {
    const img = new MetaImage({ data: Float32Array.from([0, Math.log(3), 0, 0]), shape: [1, 2, 2] });
    const out = await new Activations({ softmax: true, dim: 1 }).apply(img);
    // softmax along axis 1 pairs (x[0], x[2]) and (x[1], x[3])
    expect(Array.from(out.data).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.5, 0.75, 0.5, 0.25]);
    await expect(new Activations({ softmax: true, dim: 3 }).apply(img)).rejects.toThrow(TransformError);
  });

  it('KeepLargestConnectedComponent with numComponents 0 removes every component', async () => {
    const img = new MetaImage({ data: Float32Array.from([1, 0, 1, 1]), shape: [1, 4] });
    const out = await new KeepLargestConnectedComponent({ numComponents: 0 }).apply(img);
    expect(Array.from(out.data)).toEqual([0, 0, 0, 0]);
  });

  it('SpatialCrop ignores region entries beyond the image dimensions', async () => {
    const out = await new SpatialCrop({ roiStart: [0, 1, 0, 5], roiEnd: [2, 3, 2, 9] }).apply(
      ramp([1, 4, 4, 4]),
    );
    expect(out.shape).toEqual([1, 2, 2, 2]);
  });
});

describe('array crops take label/image/weightMap at construction, as MONAI', () => {
  const image = ramp([1, 6, 6]);
  const label = new MetaImage({ data: new Float32Array(36), shape: [1, 6, 6] });
  label.data[0] = 1; // the only foreground voxel: (0, 0)

  it('RandCropByPosNegLabel uses the label option (not the image)', async () => {
    const crop = new RandCropByPosNegLabel({ spatialSize: [2, 2], pos: 1, neg: 0, numSamples: 2, label });
    const out = await crop.setRandomState(0).apply(image);
    for (const p of out) expect(Array.from(p.data)).toEqual([0, 1, 6 % 7, 7 % 7]);
    await expect(new RandCropByPosNegLabel({ spatialSize: [2, 2] }).apply(image)).rejects.toThrow(
      /a label is needed/,
    );
  });

  it('RandCropByLabelClasses uses the label option', async () => {
    const crop = new RandCropByLabelClasses({ spatialSize: [2, 2], ratios: [0, 1], numClasses: 2, label });
    const [p] = await crop.setRandomState(0).apply(image);
    expect(Array.from(p?.data ?? [])).toEqual([0, 1, 6, 0]);
  });

  it('RandWeightedCrop uses the weightMap option', async () => {
    const weightMap = new MetaImage({ data: new Float32Array(36), shape: [1, 6, 6] });
    weightMap.data[2 * 6 + 3] = 1; // all weight on (2, 3): every patch is rows 1-2, columns 2-3
    const crop = new RandWeightedCrop({ spatialSize: [2, 2], numSamples: 3, weightMap });
    for (const p of await crop.setRandomState(0).apply(image))
      expect(Array.from(p.data)).toEqual([1, 2, 0, 1]);
    await expect(new RandWeightedCrop({ spatialSize: [2, 2] }).apply(image)).rejects.toThrow(
      /weight map is needed/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { affineFromRows, affineToRows, identityAffine, eye } from '../../../src/image/affine.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import { affineTransformGrid, centeredAffineGrid, gridSample } from '../../../src/image/resample.js';
import { Compose } from '../../../transforms/compose.js';
import * as S from '../../../transforms/spatial/index.js';
import {
  computeShapeOffset,
  createRotate,
  createScale,
  createShear,
  createTranslate,
  scaleAffine,
} from '../../../transforms/spatial/affine-utils.js';
import { convertAppliedInterpMode } from '../../../transforms/spatial/invertd.js';
import { roundHalfAway, roundHalfEven } from '../../../src/image/numerics.js';

/** A 3D test image [C, x, y, z] with distinct values (a smooth ramp plus a per-voxel index). */
function volume(
  shape: number[] = [1, 6, 5, 4],
  affine = identityAffine(),
  dtype: 'float32' | 'int16' = 'float32',
): MetaImage {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'int16' ? new Int16Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 7) % 23) + i / 10;
  if (dtype === 'int16') for (let i = 0; i < n; i++) data[i] = Math.round(data[i] as number);
  return new MetaImage({ data, shape, affine, meta: { spatial_shape: shape.slice(1) } });
}

function image2d(w = 8, h = 6): MetaImage {
  const data = new Float32Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = (i * 5) % 17;
  return new MetaImage({
    data,
    shape: [1, w, h],
    affine: affineFromRows([
      [0.5, 0, 0, 10],
      [0, 0.5, 0, -3],
      [0, 0, 1, 0],
    ]),
  });
}

async function expectTransformError(
  p: Promise<unknown>,
  transform: string,
  key: string | undefined,
  text: RegExp,
): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, 'expected a TransformError').toBeInstanceOf(TransformError);
  const te = e as TransformError;
  expect(te.transform).toBe(transform);
  expect(te.key).toBe(key);
  expect(te.message).toMatch(text);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('gridSample', () => {
  it('the identity grid reproduces the input, multi-channel, 2D and 3D, any dtype', () => {
    const img = volume([2, 5, 4, 3], identityAffine(), 'int16');
    const identity = eye(4);
    for (const dtype of ['float32', 'float64'] as const) {
      const out = gridSample(
        img.data,
        img.shape,
        affineTransformGrid(identity, [5, 4, 3], [5, 4, 3], false, dtype),
        { mode: 'bilinear' },
      );
      expect(out).toBeInstanceOf(Float32Array);
      expect(maxAbsDiff(out, img.data)).toBeLessThan(1e-4);
    }
    const im2 = image2d();
    const out2 = gridSample(im2.data, im2.shape, centeredAffineGrid(eye(3), [8, 6], [8, 6]), {
      mode: 'nearest',
    });
    expect(Array.from(out2)).toEqual(Array.from(im2.data));
  });

  it('pads with zeros, border and reflection as torch grid_sample', () => {
    // one row of 4 values; shift by +0.5 and +1.2 voxels along the last axis
    const data = new Float32Array([10, 20, 30, 40]);
    const shape = [1, 1, 4];
    const shift = (t: number) => [
      [1, 0, 0],
      [0, 1, t],
      [0, 0, 1],
    ];
    const run = (t: number, pad: 'zeros' | 'border' | 'reflection') =>
      Array.from(
        gridSample(data, shape, affineTransformGrid(shift(t), [1, 4], [1, 4], false, 'float64'), {
          paddingMode: pad,
        }),
      ).map((v) => Math.round(v * 1e4) / 1e4);
    expect(run(0.5, 'border')).toEqual([15, 25, 35, 40]);
    expect(run(0.5, 'zeros')).toEqual([15, 25, 35, 20]);
    expect(run(0.5, 'reflection')).toEqual([15, 25, 35, 40]);
    // 3 + 1.2 = 4.2 reflects about 3.5 (align_corners=false) to 2.8 → 30·0.2 + 40·0.8
    expect(run(1.2, 'reflection')[3]).toBeCloseTo(38, 4);
    expect(run(1.2, 'border')[3]).toBe(40);
    expect(run(1.2, 'zeros')[3]).toBe(0);
    expect(run(-0.5, 'zeros')[0]).toBe(5);
  });

  it('propagates NaN only from the taps torch reads', () => {
    // size 4: the normalisation (2/4, 1/4 − 1) and its inverse are exact, so in-bounds taps have weight 0 or 1
    const data = new Float32Array(64).fill(1);
    data[0] = NaN; // voxel (0, 0, 0)
    const shift = (t: number) => [
      [1, 0, 0, t],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    // shifted fully outside along axis 0 (zeros padding): 0, not NaN
    const out = gridSample(
      data,
      [1, 4, 4, 4],
      affineTransformGrid(shift(-5), [4, 4, 4], [4, 4, 4], false, 'float64'),
      { paddingMode: 'zeros' },
    );
    expect(Array.from(out).every((v) => v === 0)).toBe(true);
    // half a voxel outside: voxel 0 is a real tap of output voxel 0, whose other tap is out of bounds
    const half = gridSample(
      data,
      [1, 4, 4, 4],
      affineTransformGrid(shift(-0.5), [4, 4, 4], [4, 4, 4], false, 'float64'),
      { paddingMode: 'zeros' },
    );
    expect(half[0]).toBeNaN();
    expect(half[1]).toBe(0.5);
  });

  it('rounds nearest ties as torch 1.13: 2D half to even, 3D half away from zero', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2]);
    expect([0.5, 1.5, 2.5, -0.5, -1.5].map(roundHalfAway)).toEqual([1, 2, 3, -1, -2]);
  });
});

describe('affine helpers', () => {
  it('builds MONAI rotation, shear, scale and translation matrices', () => {
    const r2 = createRotate(2, Math.PI / 2);
    expect(r2[0]?.[1]).toBeCloseTo(-1, 12);
    expect(r2[1]?.[0]).toBeCloseTo(1, 12);
    const r3 = createRotate(3, [0.2, -0.1, 0.4]);
    expect(r3[0]?.[0]).toBeCloseTo(0.9164595255079891, 12);
    expect(r3[0]?.[2]).toBeCloseTo(-0.09983341664682817, 12);
    expect(createShear(2, [0.2, -0.1])).toEqual([
      [1, 0.2, 0],
      [-0.1, 1, 0],
      [0, 0, 1],
    ]);
    expect(createScale(3, [2, 3])).toEqual([
      [2, 0, 0, 0],
      [0, 3, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    expect(createTranslate(2, [1, -2])[1]?.[2]).toBe(-2);
    // torch backend: entries are float32
    expect(createScale(2, [1.1, 1], 'torch')[0]?.[0]).toBe(Math.fround(1.1));
  });

  it('rounds output sizes half to even, as numpy (compute_shape_offset)', () => {
    const a = (s: number) => [
      [s, 0, 0, 0],
      [0, s, 0, 0],
      [0, 0, s, 0],
      [0, 0, 0, 1],
    ];
    // (30-1)·1.5/1 + 1 = 44.5 → 44; (10-1)·1/2 + 1 = 5.5 → 6
    expect(computeShapeOffset([30, 30, 30], a(1.5), a(1)).shape).toEqual([44, 44, 44]);
    expect(computeShapeOffset([10, 10, 10], a(1), a(2)).shape).toEqual([6, 6, 6]);
  });

  it('scaleAffine centres the resize', () => {
    expect(scaleAffine([64, 64], [40, 32])).toEqual([
      [1.6, 0, 0.30000000000000004],
      [0, 2, 0.5],
      [0, 0, 1],
    ]);
  });
});

describe('spatial transforms: behaviour', () => {
  it('Spacing gives the numpy half-to-even output size and keeps the field of view', async () => {
    const img = volume(
      [1, 30, 10, 4],
      affineFromRows([
        [1.5, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
      ]),
    );
    const out = await new S.Spacing({ pixdim: [1, 2, 1] }).apply(img);
    expect(out.shape).toEqual([1, 44, 6, 4]);
    expect(out.dtype).toBe('float32');
    expect(affineToRows(out.affine)[0]).toEqual([1, 0, 0, 0]);
    expect(out.appliedOperations.map((o) => o.class)).toEqual(['SpatialResample']);
  });

  it('never modifies its input, and returns new arrays', async () => {
    const img = volume(
      [1, 6, 5, 4],
      affineFromRows([
        [2, 0, 0, 1],
        [0, 2, 0, 2],
        [0, 0, 2, 3],
      ]),
    );
    const before = Float32Array.from(img.data);
    const affineBefore = img.affine.slice();
    const ts = [
      new S.Orientationd({ keys: 'image', axcodes: 'LPI' }),
      new S.Spacingd({ keys: 'image', pixdim: [1.5, 1.5, 3] }),
      new S.Resized({ keys: 'image', spatialSize: [4, 4, 4], mode: 'trilinear' }),
      new S.Flipd({ keys: 'image', spatialAxis: [0, 2] }),
      new S.Rotate90d({ keys: 'image', k: 3 }),
      new S.Rotated({ keys: 'image', angle: [0.1, 0.2, 0.3] }),
      new S.Zoomd({ keys: 'image', zoom: 1.3 }),
      new S.Affined({ keys: 'image', rotateParams: [0, 0, 0.3], scaleParams: [1.1, 1, 1] }),
    ];
    for (const t of ts) {
      const out = (await t.apply({ image: img })).image as MetaImage;
      expect(out.data).not.toBe(img.data);
      expect(out).not.toBe(img);
    }
    expect(Array.from(img.data)).toEqual(Array.from(before));
    expect(Array.from(img.affine)).toEqual(Array.from(affineBefore));
    expect(img.appliedOperations).toEqual([]);
  });

  it('Flip, Rotate90 and Orientation are exact, keep the dtype and invert exactly', async () => {
    const img = volume(
      [2, 6, 5, 4],
      affineFromRows([
        [-2, 0, 0, 5],
        [0, 1.5, 0, -1],
        [0, 0, 3, 2],
      ]),
      'int16',
    );
    for (const t of [
      new S.Flipd({ keys: 'image', spatialAxis: [0, -1] }),
      new S.Rotate90d({ keys: 'image', k: 1, spatialAxes: [1, 2] }),
      new S.Orientationd({ keys: 'image', axcodes: 'PIL' }),
      new S.Orientationd({ keys: 'image', asClosestCanonical: true }),
    ]) {
      const out = (await t.apply({ image: img })).image as MetaImage;
      expect(out.dtype).toBe('int16');
      const back = (await t.inverse({ image: out })).image as MetaImage;
      expect(back.shape).toEqual(img.shape);
      expect(Array.from(back.data)).toEqual(Array.from(img.data));
      expect(maxAbsDiff(back.affine, img.affine)).toBeLessThan(1e-12);
      expect(back.appliedOperations).toEqual([]);
    }
  });

  it('Rotate90 matches numpy rot90 on a small array', async () => {
    const img = new MetaImage({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [1, 2, 3] });
    const r1 = await new S.Rotate90({ k: 1 }).apply(img);
    expect(r1.shape).toEqual([1, 3, 2]);
    expect(Array.from(r1.data)).toEqual([3, 6, 2, 5, 1, 4]); // np.rot90([[1,2,3],[4,5,6]])
    const r3 = await new S.Rotate90({ k: 3 }).apply(img);
    expect(Array.from(r3.data)).toEqual([4, 1, 5, 2, 6, 3]);
  });

  it('resampling transforms restore the geometry on inverse', async () => {
    const img = volume(
      [1, 12, 10, 8],
      affineFromRows([
        [1.2, 0.1, 0, 5],
        [0, 1, 0.05, -1],
        [0.02, 0, 1.5, 2],
      ]),
    );
    for (const t of [
      new S.Spacingd({ keys: 'image', pixdim: [2, 2, 2] }),
      new S.Resized({ keys: 'image', spatialSize: [7, 13, 8], mode: 'trilinear' }),
      new S.Zoomd({ keys: 'image', zoom: [0.7, 1.3, 1], mode: 'nearest' }),
      new S.Zoomd({ keys: 'image', zoom: 0.6, keepSize: false }),
      new S.Rotated({ keys: 'image', angle: [0, 0, 0.4], keepSize: false }),
      new S.Affined({
        keys: 'image',
        rotateParams: [0.1, 0, 0],
        spatialSize: [14, 10, 9],
        paddingMode: 'zeros',
      }),
    ]) {
      const out = (await t.apply({ image: img })).image as MetaImage;
      const back = (await t.inverse({ image: out })).image as MetaImage;
      expect(back.shape, t.name).toEqual(img.shape);
      expect(maxAbsDiff(back.affine, img.affine), t.name).toBeLessThan(1e-5);
      expect(back.appliedOperations, t.name).toEqual([]);
      expect(back.dtype).toBe('float32');
    }
  });

  it('Compose.inverse undoes a chain in reverse order', async () => {
    const img = volume(
      [1, 8, 9, 7],
      affineFromRows([
        [-2, 0, 0, 5],
        [0, 2, 0, -1],
        [0, 0, 2, 2],
      ]),
    );
    const chain = new Compose([
      new S.Orientationd({ keys: 'image', axcodes: 'RAS' }),
      new S.Flipd({ keys: 'image', spatialAxis: 1 }),
      new S.Spacingd({ keys: 'image', pixdim: [1, 1, 1], mode: 'nearest' }),
      new S.Rotate90d({ keys: 'image' }),
    ]);
    const out = (await chain.apply({ image: img })) as Record<string, MetaImage>;
    expect(out.image?.appliedOperations.map((o) => o.class)).toEqual([
      'Orientation',
      'Flip',
      'SpatialResample',
      'Rotate90',
    ]);
    const back = (await chain.inverse(out)) as Record<string, MetaImage>;
    expect(back.image?.shape).toEqual(img.shape);
    // nearest-neighbour up- then down-sampling by an integer factor is exact
    expect(Array.from(back.image?.data ?? [])).toEqual(Array.from(img.data));
    expect(maxAbsDiff(back.image?.affine ?? [], img.affine)).toBeLessThan(1e-9);
  });

  it('Spacingd gives image and label the same grid and per-key modes', async () => {
    const img = volume(
      [1, 9, 7, 5],
      affineFromRows([
        [1.3, 0, 0, 0],
        [0, 1.1, 0, 0],
        [0, 0, 2.2, 0],
      ]),
    );
    const lab = img.clone({ data: img.data.map((v) => Math.round(v) % 3) });
    const out = await new S.Spacingd({
      keys: ['image', 'label'],
      pixdim: [1, 1, 1.5],
      mode: ['bilinear', 'nearest'],
    }).apply({ image: img, label: lab });
    const a = out.image as MetaImage;
    const b = out.label as MetaImage;
    expect(a.shape).toEqual(b.shape);
    expect(b.appliedOperations[0]?.extra_info.mode).toBe('nearest');
    expect(new Set(Array.from(b.data)).size).toBeLessThanOrEqual(3);
  });
});

describe('spatial transforms: bad input', () => {
  const d2 = () => ({ image: image2d() });
  it('names the transform and the key for a missing key or a non-image', async () => {
    await expectTransformError(
      new S.Spacingd({ keys: 'label', pixdim: 1 }).apply(d2()),
      'Spacingd',
      'label',
      /missing/,
    );
    await expectTransformError(
      new S.Flipd({ keys: 'image' }).apply({ image: 'scan.nii' }),
      'Flipd',
      'image',
      /LoadImaged/,
    );
  });

  it('rejects a pixdim of 0 or NaN', async () => {
    await expectTransformError(
      new S.Spacingd({ keys: 'image', pixdim: [1, 0] }).apply(d2()),
      'Spacingd',
      'image',
      /pixdim.*positive/,
    );
    await expectTransformError(
      new S.Spacingd({ keys: 'image', pixdim: [NaN, 1] }).apply(d2()),
      'Spacingd',
      'image',
      /pixdim/,
    );
    await expectTransformError(new S.Spacing({ pixdim: 0 }).apply(image2d()), 'Spacing', undefined, /pixdim/);
  });

  it('rejects a singular affine (a single non-axial slice)', async () => {
    // a sagittal slice: its in-plane axes run along y and z, so the 2×2 block of the affine is singular
    const sag = new MetaImage({
      data: new Float32Array(12),
      shape: [1, 4, 3],
      affine: affineFromRows([
        [0, 0, 1, 0],
        [1, 0, 0, 0],
        [0, -1, 0, 0],
      ]),
    });
    await expectTransformError(
      new S.Spacingd({ keys: 'image', pixdim: [1, 1] }).apply({ image: sag }),
      'Spacingd',
      'image',
      /singular/,
    );
    await expectTransformError(
      new S.Orientationd({ keys: 'image', axcodes: 'RA' }).apply({ image: sag }),
      'Orientationd',
      'image',
      /singular/,
    );
  });

  it('rejects 3D-only options on 2D images', async () => {
    await expectTransformError(
      new S.Rotated({ keys: 'image', angle: [0.1, 0.2, 0.3] }).apply(d2()),
      'Rotated',
      'image',
      /one angle/,
    );
    await expectTransformError(
      new S.Resized({ keys: 'image', spatialSize: [4, 4], mode: 'trilinear' }).apply(d2()),
      'Resized',
      'image',
      /trilinear.*3 spatial/,
    );
    await expectTransformError(
      new S.Affined({ keys: 'image', rotateParams: [0.1, 0.2, 0.3] }).apply(d2()),
      'Affined',
      'image',
      /rotateParams/,
    );
    await expectTransformError(
      new S.Rotate90d({ keys: 'image', spatialAxes: [0, 2] }).apply(d2()),
      'Rotate90d',
      'image',
      /out of range/,
    );
    await expectTransformError(
      new S.Zoomd({ keys: 'image', zoom: [1, 1, 1.2] }).apply(d2()),
      'Zoomd',
      'image',
      /3 factors/,
    );
    await expectTransformError(
      new S.Orientationd({ keys: 'image', axcodes: 'RS' }).apply(d2()),
      'Orientationd',
      'image',
      /world axis/,
    );
  });

  it('rejects unknown modes when built', () => {
    expect(() => new S.Spacingd({ keys: 'image', pixdim: 1, mode: 'cubic' as never })).toThrow(
      /option 'mode' is 'cubic': it must be one of 0, 1, 'bilinear', 'nearest', 3/,
    );
    expect(() => new S.Spacing({ pixdim: 1, paddingMode: 'edge' as never })).toThrow(TransformError);
    expect(() => new S.Resize({ spatialSize: [2, 2], mode: 'bicubic' as never })).toThrow(TransformError);
    expect(() => new S.Rotate({ angle: 0.1, paddingMode: 'wrap' as never })).toThrow(TransformError);
  });
});

describe('Invertd', () => {
  it('maps a prediction back to the original grid with nearest interpolation', async () => {
    const img = volume(
      [1, 9, 8, 6],
      affineFromRows([
        [1.4, 0, 0, 3],
        [0, 1.2, 0, -2],
        [0, 0, 2, 1],
      ]),
    );
    const lab = img.clone({ data: img.data.map((v) => Math.floor(v) % 4) });
    const pre = new Compose([
      new S.Orientationd({ keys: ['image', 'label'], axcodes: 'LPS' }),
      new S.Spacingd({ keys: ['image', 'label'], pixdim: [1, 1, 1], mode: ['bilinear', 'nearest'] }),
      new S.Resized({ keys: ['image', 'label'], spatialSize: [10, 10, 10], mode: ['area', 'nearest'] }),
    ]);
    const out = (await pre.apply({ image: img, label: lab })) as Record<string, MetaImage>;
    // a "prediction": the transformed label, without trace or meta
    const pred = new MetaImage({
      data: (out.label as MetaImage).data.slice(),
      shape: (out.label as MetaImage).shape,
    });
    const inv = new S.Invertd({ keys: 'pred', transform: pre, origKeys: 'image' });
    const res = await inv.apply({ ...out, pred });
    const p = res.pred as MetaImage;
    expect(p.shape).toEqual(img.shape);
    expect(maxAbsDiff(p.affine, img.affine)).toBeLessThan(1e-9);
    expect(p.appliedOperations).toEqual([]);
    // nearest interpolation throughout: only label values survive
    expect([...new Set(Array.from(p.data))].every((v) => [0, 1, 2, 3].includes(v))).toBe(true);
    // the same as inverting the label's own (nearest) trace
    const direct = ((await pre.inverse(out)) as Record<string, MetaImage>).label as MetaImage;
    expect(Array.from(p.data)).toEqual(Array.from(direct.data));
    // the other keys and the pipeline itself are untouched
    expect(res.image).toBe(out.image);
    expect(
      pre.transforms.every((t) => (t as unknown as { allowMissingKeys: boolean }).allowMissingKeys === false),
    ).toBe(true);
  });

  it('converts interpolation modes in traces, not padding modes', () => {
    const trace = [
      {
        class: 'SpatialResample',
        extra_info: { mode: 'bilinear', padding_mode: 'border', align_corners: false },
      },
      {
        class: 'Zoom',
        extra_info: {
          mode: 'area',
          align_corners: 'none',
          padcrop: { extra_info: { pad_info: { extra_info: { mode: 'edge' } } } },
        },
      },
    ];
    const c = convertAppliedInterpMode(trace) as any[];
    expect(c[0]?.extra_info).toEqual({ mode: 'nearest', padding_mode: 'border', align_corners: 'none' });
    expect(c[1]?.extra_info.mode).toBe('nearest');
    expect(c[1].extra_info.padcrop.extra_info.pad_info.extra_info.mode).toBe('edge');
    expect(trace[0]?.extra_info.mode).toBe('bilinear');
  });

  it('names the missing origin key', async () => {
    const t = new S.Flipd({ keys: 'image' });
    await expectTransformError(
      new S.Invertd({ keys: 'pred', transform: t, origKeys: 'image' }).apply({ pred: image2d() }),
      'Invertd',
      'pred',
      /origKey 'image'/,
    );
  });
});

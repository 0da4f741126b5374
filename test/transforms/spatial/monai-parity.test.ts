/**
 * MONAI 1.4 behaviours found by MONAI's own unit tests (issue 18, item 2), spatial transforms. Expected
 * numbers are worked out by hand from MONAI's code (quoted next to each test).
 */
import { describe, expect, it } from 'vitest';
import { affineFromRows, affineToRows } from '../../../src/image/affine.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import { TransformError } from '../../../src/errors.js';
import {
  Affine,
  Orientation,
  Rand2DElastic,
  Resize,
  Rotate,
  Rotated,
  Spacing,
  SpatialResample,
  Zoom,
} from '../../../transforms/index.js';

function ramp(shape: number[], affine?: number[][]): MetaImage {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, (_, i) => (i * 7) % 11);
  return new MetaImage({ data, shape, ...(affine ? { affine: affineFromRows(affine) } : {}) });
}

describe('Spacing recomputeAffine as MONAI 1.4', () => {
  // MONAI 1.4 Spacing.__call__: `a = scale_affine(original_spatial_shape, actual_shape)`;
  // `data_array.affine = a`, where scale_affine gives diag(old/new) with translation (old/new - 1) / 2.
  const permuted = [
    [0, 2, 0, 10],
    [3, 0, 0, 20],
    [0, 0, -1.5, 5],
    [0, 0, 0, 1],
  ];

  it('replaces a permuted, flipped, translated affine by scale_affine(input shape, output shape)', async () => {
    const img = ramp([1, 4, 6, 2], permuted);
    const plain = await new Spacing({ pixdim: [1.5, 1, 3] }).apply(img);
    const out = await new Spacing({ pixdim: [1.5, 1, 3], recomputeAffine: true }).apply(img);
    // voxel sizes 3, 2, 1.5 → (n-1)·old/new + 1 = 7, 11, 1.5 (numpy rounds half to even: 2)
    expect(out.shape).toEqual([1, 7, 11, 2]);
    expect(Array.from(out.data)).toEqual(Array.from(plain.data));
    const expected = [
      [4 / 7, 0, 0, (4 / 7 - 1) / 2],
      [0, 6 / 11, 0, (6 / 11 - 1) / 2],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const got = affineToRows(out.affine);
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++) expect(got[r]![c]).toBeCloseTo(expected[r]![c]!, 12);
  });

  it('2D: a rotated affine becomes the 3×3 scale_affine (embedded in 4×4)', async () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const img = ramp(
      [1, 5, 3],
      [
        [c, -s, 0, 4],
        [s, c, 0, -2],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
    );
    const out = await new Spacing({ pixdim: [0.5, 2], recomputeAffine: true }).apply(img);
    // (5-1)·1/0.5 + 1 = 9, (3-1)·1/2 + 1 = 2
    expect(out.shape).toEqual([1, 9, 2]);
    const got = affineToRows(out.affine);
    const expected = [
      [5 / 9, 0, 0, (5 / 9 - 1) / 2],
      [0, 3 / 2, 0, (3 / 2 - 1) / 2],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    for (let r = 0; r < 4; r++)
      for (let k = 0; k < 4; k++) expect(got[r]![k]).toBeCloseTo(expected[r]![k]!, 12);
  });
});

describe('Rotated nearest ties as torch (float64 grid through BLAS dgemm)', () => {
  // MONAI's test_rotated: Rotated(('img', 'seg'), -pi/4, keep_size=True, mode=('bilinear', 'nearest'),
  // padding_mode='border', dtype=np.float64) on a 128×64 image. With keep_size the rotation centre
  // (63.5, 31.5) is a half-integer, so the voxels on the diagonals j0 + j1 = 95 and j0 - j1 = 32 have
  // ideal input coordinates at exact .5 ties. torch's affine_grid computes them with `bmm`, i.e. BLAS
  // dgemm: x = fma(θxy, by, round(θxx·bx)) (+ θxt = 0). For output voxel (44, 12): bx = -0.609375,
  // by = -0.3046875, θxx = 0.7071067811865476, θxy = -1.414213562373095 give x = -7.632783294297951e-17
  // (unfused: -5.551115123125783e-17, which vanishes in x + 1); un-normalised with torch's fused
  // (x + 1)·32 - 0.5 = 31.499999999999996, which nearbyint rounds to 31 (the unfused 31.5 rounds to 32).
  const index = (): MetaImage =>
    new MetaImage({ data: Float32Array.from({ length: 128 * 64 }, (_, i) => i), shape: [1, 128, 64] });

  it('a tie voxel reads the input voxel torch reads', async () => {
    const out = await new Rotated({
      keys: ['img', 'seg'],
      angle: -Math.PI / 4,
      keepSize: true,
      mode: ['bilinear', 'nearest'],
      paddingMode: 'border',
      dtype: 'float64',
    }).apply({ img: index(), seg: index() });
    const seg = out.seg as MetaImage;
    // (44, 12): axis 0 reads 35.92 → 36, axis 1 reads 31.499999999999996 → 31
    expect(seg.data[44 * 64 + 12]).toBe(36 * 64 + 31);
    // (36, 59): axis 0 reads 63.49999999999999 → 63; axis 1 reads 70.39, clamped to the border (63)
    expect(seg.data[36 * 64 + 59]).toBe(63 * 64 + 63);
  });
});

describe('more than 3 spatial dims as MONAI 1.4', () => {
  // MONAI's spatial_resample: spatial_rank = min(len(spatial_size), 3); the dims beyond it are folded
  // into channels by `img.reshape([-1, *in_spatial_size])` (a C-order reinterpretation) and unfolded
  // after resampling, so the 4th dim keeps its size.
  it('Spacing resamples the first three dims; the 4th keeps its size (MONAI reshape semantics)', async () => {
    const img = ramp([1, 4, 5, 6, 3]);
    const out = await new Spacing({ pixdim: [2, 2, 2] }).apply(img);
    // (n-1)·1/2 + 1 = 2.5, 3, 3.5 → numpy rounds half to even: 2, 3, 4; the 4th dim stays 3
    expect(out.shape).toEqual([1, 2, 3, 4, 3]);
    // the same as resampling the data reinterpreted as 3 channels of 4×5×6
    const folded = new MetaImage({ data: img.data, shape: [3, 4, 5, 6] });
    const ref = await new Spacing({ pixdim: [2, 2, 2] }).apply(folded);
    expect(ref.shape).toEqual([3, 2, 3, 4]);
    expect(Array.from(out.data)).toEqual(Array.from(ref.data));
    expect(affineToRows(out.affine)).toEqual(affineToRows(ref.affine));
    const back = await new Spacing({ pixdim: [2, 2, 2] }).inverse(out);
    expect(back.shape).toEqual([1, 4, 5, 6, 3]);
    await expect(spacingRecompute(img)).rejects.toThrow(TransformError);
  });

  it('SpatialResample with a 2-entry spatialSize folds the third dim the same way', async () => {
    const img = ramp([1, 6, 4, 3]);
    const dst = [
      [2, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const out = await new SpatialResample({ dstAffine: dst, spatialSize: [3, 2] }).apply(img);
    expect(out.shape).toEqual([1, 3, 2, 3]);
    const folded = new MetaImage({ data: img.data, shape: [3, 6, 4] });
    const ref = await new SpatialResample({ dstAffine: dst, spatialSize: [3, 2] }).apply(folded);
    expect(Array.from(out.data)).toEqual(Array.from(ref.data));
  });

  // MONAI's Orientation: `to_affine_nd(sr, affine)` gives the 4th axis an identity column, so
  // io_orientation keeps it in place; 3-letter axcodes are refused ("axcodes must match data_array spatially").
  it('Orientation reorients the first three axes of a 4D image with asClosestCanonical', async () => {
    const lps = [
      [-1, 0, 0, 3],
      [0, -1, 0, 2],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const img = ramp([1, 4, 3, 2, 2], lps);
    const out = await new Orientation({ asClosestCanonical: true }).apply(img);
    expect(out.shape).toEqual([1, 4, 3, 2, 2]);
    // axes 0 and 1 flipped, axes 2 and 3 kept: out[x, y, z, t] = in[3 - x, 2 - y, z, t]
    for (let x = 0; x < 4; x++)
      for (let y = 0; y < 3; y++)
        for (let z = 0; z < 2; z++)
          for (let t = 0; t < 2; t++)
            expect(out.data[((x * 3 + y) * 2 + z) * 2 + t]).toBe(
              img.data[(((3 - x) * 3 + (2 - y)) * 2 + z) * 2 + t],
            );
    // flipping axis i of size n moves the origin by (n - 1)·spacing: RAS affine with the origin at voxel (3, 2, 0)
    expect(affineToRows(out.affine)).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    await expect(new Orientation({ axcodes: 'RAS' }).apply(img)).rejects.toThrow(/4 spatial dims/);
  });
});

function spacingRecompute(img: MetaImage): Promise<MetaImage> {
  return new Spacing({ pixdim: [2, 2, 2], recomputeAffine: true }).apply(img);
}

describe('spline-order modes as MONAI 1.4 (scipy map_coordinates)', () => {
  // MONAI's spatial_resample with an int mode: Affine(normalized=True) + Resample's numpy backend, i.e.
  // scipy.ndimage.map_coordinates(img, xform @ index, order=mode, mode=zeros→constant, border→nearest,
  // reflection→reflect). Expected: scipy on the input indices (i - 1.5, j + 0.75), cast to float32.
  const img = new MetaImage({
    data: Float32Array.from([0, 1, 2.828, 5.196, 8, 11.18, 14.697, 18.52, 22.627, 27, 31.623, 36.483]),
    shape: [1, 3, 4],
  });
  const dstAffine = [
    [1, 0, 0, -1.5],
    [0, 1, 0, 0.75],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  const scipy: [0 | 1 | 3, 'zeros' | 'border' | 'reflection', number[]][] = [
    [
      3,
      'zeros',
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3.052903, 5.318357, 8.636162, 0, 0, 20.19074, 24.64997, 29.97483, 0, 0],
    ],
    [
      3,
      'border',
      [
        0.8147436, 2.446335, 4.992484, 5.531028, 5.396772, 0.1222758, 1.552116, 3.934404, 4.440305, 4.314168,
        3.904556, 6.324419, 9.516888, 10.1842, 10.01792, 18.95615, 23.21652, 28.04226, 29.03536, 28.78805,
      ],
    ],
    [
      3,
      'reflection',
      [
        4.168216, 6.629738, 9.78825, 10.7654, 8.186226, -0.4743549, 0.8021944, 2.995459, 3.690812, 1.866044,
        4.168216, 6.629738, 9.78825, 10.7654, 8.186226, 18.60297, 22.80799, 27.50123, 28.92789, 25.14612,
      ],
    ],
    [
      1,
      'zeros',
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5.5675, 8.094375, 11.084125, 0, 0, 18.145876, 22.1425, 26.416124, 0, 0],
    ],
    [
      0,
      'reflection',
      [
        11.18, 14.697, 18.52, 18.52, 14.697, 1, 2.828, 5.196, 5.196, 2.828, 11.18, 14.697, 18.52, 18.52,
        14.697, 27, 31.623, 36.483, 36.483, 31.623,
      ],
    ],
    [
      1,
      'border',
      [
        0.75, 2.371, 4.604, 5.196, 5.196, 0.75, 2.371, 4.604, 5.196, 5.196, 5.5675, 8.094375, 11.084125,
        11.858, 11.858, 18.145876, 22.1425, 26.416124, 27.5015, 27.5015,
      ],
    ],
  ];
  for (const [mode, paddingMode, want] of scipy)
    it(`SpatialResample mode ${mode} paddingMode ${paddingMode}`, async () => {
      const out = await new SpatialResample({ dstAffine, spatialSize: [4, 5], mode, paddingMode }).apply(img);
      expect(out.shape).toEqual([1, 4, 5]);
      Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 4));
      // the trace records the order; the inverse resamples with it
      expect(out.appliedOperations.at(-1)?.extra_info.mode).toBe(mode);
    });

  // Affine with an int mode: AffineGrid's centred grid (float32) + (n_in - 1) / 2, then
  // map_coordinates. translateParams [0.5, -1.25], 3×4 → 4×5: the input indices are (i, j - 1.75).
  const affineCases: [0 | 1, 'zeros' | 'border', number[]][] = [
    [
      1,
      'zeros',
      [
        0, 0, 0.25, 1.457, 3.42, 0, 0, 8.795, 12.05925, 15.65275, 0, 0, 23.720251, 28.15575, 32.838, 0, 0, 0,
        0, 0,
      ],
    ],
    [
      0,
      'border',
      [
        0, 0, 0, 1, 2.828, 8, 8, 8, 11.18, 14.697, 22.627, 22.627, 22.627, 27, 31.623, 22.627, 22.627, 22.627,
        27, 31.623,
      ],
    ],
  ];
  for (const [mode, paddingMode, want] of affineCases)
    it(`Affine mode ${mode} paddingMode ${paddingMode}`, async () => {
      const out = await new Affine({
        translateParams: [0.5, -1.25],
        spatialSize: [4, 5],
        mode,
        paddingMode,
      }).apply(img);
      Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
    });

  it('Rotate takes spline order 1 as bilinear (MONAI resolves it to a grid_sample mode)', async () => {
    const a = await new Rotate({ angle: 0.3, mode: 1 }).apply(img);
    const b = await new Rotate({ angle: 0.3, mode: 'bilinear' }).apply(img);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  // Zoom/Resize: MONAI's resolves_modes(mode, torch_interpolate_spatial_nd=nd) maps 0 to 'nearest-exact'
  // and 1 to 'linear'/'bilinear'/'trilinear' by the number of spatial dims, then calls torch interpolate.
  it('Zoom and Resize map spline orders 0 and 1 to torch interpolate modes', async () => {
    const same = async (a: Promise<MetaImage>, b: Promise<MetaImage>) =>
      expect(Array.from((await a).data)).toEqual(Array.from((await b).data));
    await same(
      new Zoom({ zoom: 1.7, mode: 0, keepSize: false }).apply(img),
      new Zoom({ zoom: 1.7, mode: 'nearest-exact', keepSize: false }).apply(img),
    );
    await same(
      new Zoom({ zoom: 1.7, mode: 1, keepSize: false }).apply(img),
      new Zoom({ zoom: 1.7, mode: 'bilinear', keepSize: false }).apply(img),
    );
    const vol = ramp([1, 3, 4, 5]);
    await same(
      new Resize({ spatialSize: [5, 6, 7], mode: 1 }).apply(vol),
      new Resize({ spatialSize: [5, 6, 7], mode: 'trilinear' }).apply(vol),
    );
    expect(() => new Zoom({ zoom: 2, mode: 3 as never })).toThrow(TransformError);
  });

  // Rand2DElastic with an int mode: MONAI's Resample numpy path (map_coordinates on grid + (n-1)/2)
  it('Rand2DElastic samples with spline orders: order 0 reads input values, order 3 on the identity grid reproduces the image', async () => {
    const im = ramp([1, 12, 10]);
    const inputs = new Set(Array.from(im.data));
    const o0 = await new Rand2DElastic({
      spacing: [4, 4],
      magnitudeRange: [1, 2],
      prob: 1,
      mode: 0,
      paddingMode: 'border',
    })
      .setRandomState(3)
      .apply(im);
    expect(Array.from(o0.data).every((v) => inputs.has(v))).toBe(true);
    const id = await new Rand2DElastic({ spacing: [4, 4], magnitudeRange: [1, 2], prob: 0, mode: 3 }).apply(
      im,
    );
    Array.from(id.data).forEach((v, i) => expect(v).toBeCloseTo(im.data[i] as number, 5));
  });

  it('orders 2-5 are refused at construction with what to use instead', () => {
    expect(() => new Spacing({ pixdim: 1, mode: 2 as never })).toThrow(
      /it must be one of 0, 1, 'bilinear', 'nearest', 3/,
    );
    expect(() => new Rotated({ keys: 'a', angle: 0.1, mode: 0 as never })).toThrow(TransformError);
  });
});

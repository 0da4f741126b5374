import { describe, expect, it } from 'vitest';
import {
  affineFromRows,
  affineToRows,
  eye,
  identityAffine,
  invMatrix,
  matmul,
  matmulTorch32,
  toAffineNd,
  voxelSizes,
} from '../../src/image/affine.js';
import { MetaImage } from '../../src/image/meta-image.js';
import {
  applyOrientation,
  inverseOrientationAffine,
  axcodesFromAffine,
  orientationFromAxcodes,
  orientationTransform,
} from '../../src/image/orientation.js';
import { castArray, parseDType } from '../../src/image/dtype.js';

describe('affine maths', () => {
  const a = affineFromRows([
    [0, -2, 0, 10],
    [1.5, 0, 0.1, -20],
    [0, 0, 3, 5],
  ]);

  it('inverts', () => {
    const p = matmul(a, affineFromRows(invMatrix(affineToRows(a))));
    identityAffine().forEach((v, i) => expect(p[i]).toBeCloseTo(v, 12));
    expect(() => invMatrix(affineToRows(new Float64Array(16)))).toThrow(/singular/);
  });

  it('one product for packed affines and rows: t @ a applies a first, then t', () => {
    const t = affineFromRows([
      [1, 0, 0, 5],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ]);
    const packed = matmul(t, a);
    expect(affineToRows(packed)).toEqual(matmul(affineToRows(t), affineToRows(a)));
    expect(affineToRows(packed)[0]).toEqual([0, -2, 0, 15]);
    expect(Array.from(identityAffine())).toEqual(eye(4).flat());
    expect(toAffineNd(2, a)).toEqual([
      [0, -2, 10],
      [1.5, 0, -20],
      [0, 0, 1],
    ]);
  });

  it('float32 products round like torch: per step, or fused (sgemm)', () => {
    const x = [
      [1 / 3, 1 / 7],
      [0, 1],
    ];
    const y = [
      [3, 0],
      [7, 1],
    ];
    const plain = matmul(x, y, 'float32')[0]![0]!;
    const fused = matmulTorch32(x, y)[0]![0]!;
    expect(plain).toBe(Math.fround(Math.fround((1 / 3) * 3) + Math.fround((1 / 7) * 7)));
    expect(fused).toBe(Math.fround((1 / 7) * 7 + Math.fround((1 / 3) * 3)));
    expect(matmul(x, y)[0]![0]).toBe((1 / 3) * 3 + (1 / 7) * 7);
  });

  it('voxel sizes and axis codes', () => {
    expect(voxelSizes(a)[0]).toBeCloseTo(1.5);
    expect(voxelSizes(a)[1]).toBeCloseTo(2);
    expect(axcodesFromAffine(a)).toBe('ALS');
    expect(axcodesFromAffine(identityAffine())).toBe('RAS');
    expect(
      axcodesFromAffine(
        affineFromRows([
          [-1, 0, 0, 0],
          [0, -1, 0, 0],
          [0, 0, 1, 0],
        ]),
      ),
    ).toBe('LPS');
    expect(() => orientationFromAxcodes('RAX')).toThrow(/invalid axis code/);
  });

  it('reorients an array and its affine consistently (world position of each voxel is kept)', () => {
    const shape = [3, 4, 5];
    const data = Float32Array.from({ length: 60 }, (_, i) => i);
    const ornt = orientationTransform(
      orientationFromAxcodes(axcodesFromAffine(a)),
      orientationFromAxcodes('RAS'),
    );
    const r = applyOrientation(data, shape, ornt);
    const newAffine = matmul(a, inverseOrientationAffine(ornt, shape));
    expect(axcodesFromAffine(newAffine)).toBe('RAS');
    // voxel (i,j,k) of the new array sits at the world point of the old voxel holding the same value
    const [n0, n1, n2] = r.shape as [number, number, number];
    for (const [i, j, k] of [
      [0, 0, 0],
      [1, 2, 3],
      [n0 - 1, n1 - 1, n2 - 1],
    ] as const) {
      const v = r.data[(i * n1 + j) * n2 + k] as number;
      const old = [Math.floor(v / 20), Math.floor(v / 5) % 4, v % 5];
      const w = (m: Float64Array, p: number[]) =>
        [0, 1, 2].map(
          (row) => m[row * 4]! * p[0]! + m[row * 4 + 1]! * p[1]! + m[row * 4 + 2]! * p[2]! + m[row * 4 + 3]!,
        );
      const wNew = w(newAffine, [i, j, k]);
      const wOld = w(a, old);
      wNew.forEach((x, q) => expect(x).toBeCloseTo(wOld[q]!, 9));
    }
  });
});

describe('MetaImage and dtypes', () => {
  it('validates shape against data', () => {
    expect(() => new MetaImage({ data: new Float32Array(7), shape: [1, 2, 2, 2] })).toThrow(/needs 8/);
  });
  it('clone copies data, meta arrays and the trace', () => {
    const img = new MetaImage({
      data: new Float32Array(8),
      shape: [1, 2, 2, 2],
      meta: { spatial_shape: [2, 2, 2] },
    });
    const c = img.clone();
    c.data[0] = 5;
    (c.meta.spatial_shape as number[])[0] = 9;
    expect(img.data[0]).toBe(0);
    expect(img.meta.spatial_shape).toEqual([2, 2, 2]);
    expect(MetaImage.isMetaImage(c)).toBe(true);
    expect(MetaImage.isMetaImage({ data: 1 })).toBe(false);
  });
  it('casts like numpy astype (truncation toward zero)', () => {
    expect(Array.from(castArray(Float32Array.from([1.7, -1.7, 0.5, 255.9]), 'uint8'))).toEqual([
      1, 255, 0, 255,
    ]);
    expect(Array.from(castArray(Float32Array.from([1.7, -1.7, 0, 3]), 'int16'))).toEqual([1, -1, 0, 3]);
    expect(Array.from(castArray(Float32Array.from([0, 0.1, -2]), 'bool'))).toEqual([0, 1, 1]);
    expect(parseDType('np.float32')).toBe('float32');
    expect(parseDType('torch.int16')).toBe('int16');
    expect(() => parseDType('complex64')).toThrow(/unsupported dtype/);
  });
});

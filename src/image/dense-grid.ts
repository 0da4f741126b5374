/**
 * Dense sampling grids, as MONAI's elastic and grid-distortion transforms build them: per input
 * axis, the coordinate of every output voxel (`create_grid`, meshgrids, control grids, random
 * displacements, an affine applied point by point, bicubic upsampling, centre crops), and the
 * {@link SamplingGrid} through which `gridSample` (the one resampler, resample.ts) reads them. The
 * affine-only grids of Spacing/Rotate/Affine are not materialised: `centeredAffineGrid` and
 * `affineTransformGrid` compute the same coordinates row by row. Pure typed-array code.
 */
import { centeredCoords } from './linspace.js';
import { stridesOf } from './meta-image.js';
import { stridedCopy } from './strided.js';
import type { SamplingGrid } from './resample.js';

/** Rows accepted as input (not written to). */
type Rows = readonly (readonly number[])[];

/** A dense coordinate grid: `coords[d][voxel]` (centred voxel coordinates), over `shape`. */
export interface DenseGrid {
  shape: number[];
  coords: Float64Array[];
}

/** MONAI `create_grid(shape, spacing)` without the homogeneous row, as a dense float64 grid. */
export function createDenseGrid(shape: readonly number[], spacing?: readonly number[]): DenseGrid {
  return meshgridDense(shape.map((d, i) => centeredCoords(d, spacing?.[i] ?? 1)));
}

/** torch `meshgrid(*axes, indexing='ij')` as a dense grid (C order over the axes' lengths). */
export function meshgridDense(axes: readonly Float64Array[]): DenseGrid {
  const shape = axes.map((a) => a.length);
  const size = shape.reduce((a, b) => a * b, 1);
  const coords = axes.map((axis, d) => {
    const out = new Float64Array(size);
    stridedCopy(
      axis,
      out,
      shape,
      shape.map((_, k) => (k === d ? 1 : 0)),
      0,
    );
    return out;
  });
  return { shape, coords };
}

/** MONAI `create_control_grid`: the control-point grid shape covering `spatialShape` at `spacing`. */
export function controlGridShape(spatialShape: readonly number[], spacing: readonly number[]): number[] {
  return spatialShape.map((d, i) => {
    const s = spacing[i] as number;
    return d % 2 === 0 ? Math.ceil((d - 1) / (2 * s) + 0.5) * 2 + 2 : Math.ceil((d - 1) / (2 * s)) * 2 + 3;
  });
}

/**
 * `affine @ [coords; 1]` in float32 as MONAI's `AffineGrid` on an explicit grid (the grid is cast to
 * float32 first; products accumulated with fused multiply-adds).
 */
export function applyAffineToGrid(mat: Rows, grid: DenseGrid): DenseGrid {
  const n = grid.coords.length;
  const f = Math.fround;
  const g = grid.coords.map((c) => Float64Array.from(c, f));
  const size = g[0]?.length ?? 0;
  const out = g.map(() => new Float64Array(size));
  for (let r = 0; r < n; r++) {
    const row = (mat[r] as readonly number[]).map(f);
    const dst = out[r] as Float64Array;
    for (let v = 0; v < size; v++) {
      let acc = f((row[0] as number) * ((g[0] as Float64Array)[v] as number));
      for (let k = 1; k < n; k++) acc = f((row[k] as number) * ((g[k] as Float64Array)[v] as number) + acc);
      dst[v] = f((row[n] as number) + acc);
    }
  }
  return { shape: [...grid.shape], coords: out };
}

/**
 * Moves every grid point by `scale · offsets` (offsets `[ndim, ...shape]` in C order), in place: the
 * product rounded to float32, the sum in float64 — MONAI's `grid + (mag * offsets)` on float32
 * offsets added to the float64 grid of {@link createDenseGrid}.
 */
export function displaceGrid(grid: DenseGrid, offsets: ArrayLike<number>, scale: number): DenseGrid {
  const f = Math.fround;
  const per = grid.coords[0]?.length ?? 0;
  if (offsets.length !== per * grid.coords.length)
    throw new RangeError(`${offsets.length} offsets for a ${grid.coords.length}-axis grid of ${per} points`);
  // numpy (`python float * float32 array`) and torch (tensor * python scalar) both round the scale to
  // float32 before the float32 product
  const s = f(scale);
  grid.coords.forEach((c, d) => {
    for (let v = 0; v < per; v++) c[v] = (c[v] as number) + f(s * (offsets[d * per + v] as number));
  });
  return grid;
}

function cubicWeights(t: number): [number, number, number, number] {
  const A = -0.75;
  const c1 = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const c2 = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
}

/**
 * torch `interpolate(mode='bicubic', align_corners=False, recompute_scale_factor=True)` of a 2D
 * dense grid by `scale` per axis: output size `floor(n * scale)`, source index `(i + 0.5) * n / out - 0.5`,
 * cubic convolution (A = -0.75) with clamped borders, float32 results.
 */
export function bicubicUpsample2d(grid: DenseGrid, scale: readonly number[]): DenseGrid {
  const [h, w] = grid.shape as [number, number];
  const oh = Math.floor(h * (scale[0] as number));
  const ow = Math.floor(w * (scale[1] as number));
  const f = Math.fround;
  const taps = (inSize: number, outSize: number) => {
    const sc = f(inSize / outSize);
    return Array.from({ length: outSize }, (_, o) => {
      const real = f(f(sc * (o + 0.5)) - 0.5);
      const i0 = Math.floor(real);
      const w4 = cubicWeights(f(real - i0));
      const idx = [i0 - 1, i0, i0 + 1, i0 + 2].map((i) => Math.min(Math.max(i, 0), inSize - 1));
      return { idx, w: w4 };
    });
  };
  const ty = taps(h, oh);
  const tx = taps(w, ow);
  const coords = grid.coords.map((src) => {
    const dst = new Float64Array(oh * ow);
    for (let y = 0; y < oh; y++) {
      const { idx: iy, w: wy } = ty[y] as { idx: number[]; w: number[] };
      for (let x = 0; x < ow; x++) {
        const { idx: ix, w: wx } = tx[x] as { idx: number[]; w: number[] };
        let acc = 0;
        for (let a = 0; a < 4; a++) {
          const rowBase = (iy[a] as number) * w;
          let r = 0;
          for (let b = 0; b < 4; b++) r += (wx[b] as number) * (src[rowBase + (ix[b] as number)] as number);
          acc += (wy[a] as number) * r;
        }
        dst[y * ow + x] = f(acc);
      }
    }
    return dst;
  });
  return { shape: [oh, ow], coords };
}

/** MONAI's `CenterSpatialCrop(roi)` of a dense grid. */
export function centerCropGrid(grid: DenseGrid, roi: readonly number[]): DenseGrid {
  const start = grid.shape.map((s, i) => Math.max(Math.floor(s / 2) - Math.floor((roi[i] as number) / 2), 0));
  const size = grid.shape.map((s, i) => Math.min(roi[i] as number, s - (start[i] as number)));
  const strides = stridesOf(grid.shape);
  const offset = start.reduce((o, s, d) => o + s * (strides[d] as number), 0);
  const total = size.reduce((a, b) => a * b, 1);
  const coords = grid.coords.map((c) => {
    const out = new Float64Array(total);
    stridedCopy(c, out, size, strides, offset);
    return out;
  });
  return { shape: size, coords };
}

/**
 * The {@link SamplingGrid} of MONAI's `Resample(norm_coords=True)` in float64 on a dense grid of
 * centred input coordinates (as RandAffine, the elastic transforms and GridDistortion resample): each
 * coordinate is scaled by `2 / max(2, size)` of its input axis, then un-normalised with
 * `align_corners=False`.
 */
export function denseSamplingGrid(grid: DenseGrid, inShape: readonly number[]): SamplingGrid {
  return {
    outShape: [...grid.shape],
    // base, matrix and order are not read for a dense grid
    base: [],
    matrix: [],
    order: [],
    gridDType: 'float32',
    fma: true,
    preScale: inShape.map((s) => 2 / Math.max(2, s)),
    sampleDType: 'float64',
    alignCorners: false,
    dense: grid.coords,
  };
}

/**
 * 4×4 affine maths on row-major `Float64Array(16)` matrices (voxel index → world mm, RAS).
 * Pure typed-array code: runs in Node and browsers.
 */

/** A row-major 4×4 matrix. */
export type AffineMatrix = Float64Array;

/** The 4×4 identity. */
export function identityAffine(): AffineMatrix {
  const a = new Float64Array(16);
  a[0] = a[5] = a[10] = a[15] = 1;
  return a;
}

/** Builds an affine from 4 rows (or 3 rows; the last row becomes `[0,0,0,1]`). */
export function affineFromRows(rows: readonly (readonly number[])[]): AffineMatrix {
  const a = identityAffine();
  for (let r = 0; r < Math.min(4, rows.length); r++) {
    const row = rows[r] as readonly number[];
    for (let c = 0; c < 4; c++) a[r * 4 + c] = row[c] ?? 0;
  }
  return a;
}

/** The affine as 4 rows of 4 numbers (for JSON and printing). */
export function affineToRows(a: AffineMatrix): number[][] {
  return [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => a[r * 4 + c] as number));
}

/** Element (r, c). */
export function at(a: AffineMatrix, r: number, c: number): number {
  return a[r * 4 + c] as number;
}

/** Matrix product `a @ b` (apply `b` first, then `a`). */
export function matmul(a: AffineMatrix, b: AffineMatrix): AffineMatrix {
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += (a[r * 4 + k] as number) * (b[k * 4 + c] as number);
      out[r * 4 + c] = s;
    }
  return out;
}

/** Composes affines left to right as applied: `composeAffines(a, b, c)` = `c @ b @ a`. */
export function composeAffines(...affines: AffineMatrix[]): AffineMatrix {
  return affines.reduce((acc, m) => matmul(m, acc), identityAffine());
}

/** Inverse of a 4×4 matrix (Gauss–Jordan with partial pivoting). Throws on a singular matrix. */
export function invertAffine(a: AffineMatrix): AffineMatrix {
  const m = Array.from(a);
  const inv = Array.from(identityAffine());
  for (let col = 0; col < 4; col++) {
    let piv = col;
    for (let r = col + 1; r < 4; r++) if (Math.abs(m[r * 4 + col]!) > Math.abs(m[piv * 4 + col]!)) piv = r;
    const p = m[piv * 4 + col]!;
    if (Math.abs(p) < 1e-300 || !Number.isFinite(p))
      throw new RangeError('affine is singular and cannot be inverted');
    if (piv !== col)
      for (let c = 0; c < 4; c++) {
        [m[col * 4 + c], m[piv * 4 + c]] = [m[piv * 4 + c]!, m[col * 4 + c]!];
        [inv[col * 4 + c], inv[piv * 4 + c]] = [inv[piv * 4 + c]!, inv[col * 4 + c]!];
      }
    for (let c = 0; c < 4; c++) {
      m[col * 4 + c]! /= p;
      inv[col * 4 + c]! /= p;
    }
    for (let r = 0; r < 4; r++) {
      if (r === col) continue;
      const f = m[r * 4 + col]!;
      if (f === 0) continue;
      for (let c = 0; c < 4; c++) {
        m[r * 4 + c]! -= f * m[col * 4 + c]!;
        inv[r * 4 + c]! -= f * inv[col * 4 + c]!;
      }
    }
  }
  return Float64Array.from(inv);
}

/**
 * Voxel sizes: the norms of the first `n` columns of the affine's top-left `n×n` block (`n` ≤ 4;
 * MONAI's `affine_to_spacing` without zero suppression — with `n = 4` the translation column counts,
 * as MONAI's NIfTI header check does for 4D images).
 */
export function voxelSizes(a: AffineMatrix, n = 3): number[] {
  const out: number[] = [];
  for (let c = 0; c < n; c++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += at(a, r, c) ** 2;
    out.push(Math.sqrt(s));
  }
  return out;
}

/** MONAI `affine_to_spacing(affine, r, suppress_zeros=True)`: `voxelSizes` with zeros reported as 1. */
export function affineToSpacing(a: AffineMatrix, r = 3, suppressZeros = true): number[] {
  return voxelSizes(a, r).map((v) => (suppressZeros && v === 0 ? 1 : v));
}

/** Applies the affine to a point (`n` ≤ 3 coordinates; missing ones are 0). */
export function applyAffine(a: AffineMatrix, p: readonly number[]): number[] {
  const v = [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, 1];
  return [0, 1, 2].map((r) => v.reduce((s, x, c) => s + at(a, r, c) * x, 0));
}

/**
 * The orthogonal factor of the top-left `n×n` block after dividing out voxel sizes (the polar
 * decomposition `U Vᵀ` that nibabel's `io_orientation` takes from the SVD).
 */
function orthogonalFactor(a: AffineMatrix, n: number): number[][] {
  const zooms = voxelSizes(a, n).map((z) => (z === 0 ? 1 : z));
  let r = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => at(a, i, j) / zooms[j]!));
  for (let iter = 0; iter < 100; iter++) {
    const inv = invertSmall(r);
    if (!inv) break;
    const next = r.map((row, i) => row.map((v, j) => (v + inv[j]![i]!) / 2));
    let diff = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) diff = Math.max(diff, Math.abs(next[i]![j]! - r[i]![j]!));
    r = next;
    if (diff < 1e-14) break;
  }
  return r;
}

function invertSmall(m: number[][]): number[][] | null {
  const n = m.length;
  const big = identityAffine();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) big[i * 4 + j] = m[i]![j]!;
  try {
    const inv = invertAffine(big);
    return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => inv[i * 4 + j]!));
  } catch {
    return null;
  }
}

/**
 * An orientation: for each array axis, the world axis it runs along (0=x, 1=y, 2=z) and its sign
 * (+1 toward R/A/S, −1 toward L/P/I). nibabel's `ornt` array.
 */
export type Orientation = { axis: number; flip: 1 | -1 }[];

/** nibabel's `io_orientation`: which world axis each of the first `n` array axes is closest to. */
export function ioOrientation(a: AffineMatrix, n = 3): Orientation {
  const r = orthogonalFactor(a, n);
  const out: Orientation = [];
  for (let j = 0; j < n; j++) {
    let best = -1;
    for (let i = 0; i < n; i++) if (best < 0 || Math.abs(r[i]![j]!) > Math.abs(r[best]![j]!)) best = i;
    const v = r[best]![j]!;
    if (Math.abs(v) < 1e-8) {
      out.push({ axis: j, flip: 1 });
      continue;
    }
    out.push({ axis: best, flip: v < 0 ? -1 : 1 });
    for (let c = 0; c < n; c++) r[best]![c] = 0;
  }
  return out;
}

const LABELS: readonly [string, string][] = [
  ['L', 'R'],
  ['P', 'A'],
  ['I', 'S'],
];

/** Axis codes such as `'RAS'` from an affine (nibabel `aff2axcodes`). */
export function axcodesFromAffine(a: AffineMatrix, n = 3): string {
  return ioOrientation(a, n)
    .map((o) => (LABELS[o.axis] as [string, string])[o.flip > 0 ? 1 : 0])
    .join('');
}

/** Orientation from axis codes such as `'RAS'` or `'LPS'` (nibabel `axcodes2ornt`). */
export function orientationFromAxcodes(codes: string): Orientation {
  return [...codes.toUpperCase()].map((ch) => {
    const axis = LABELS.findIndex((pair) => pair.includes(ch));
    if (axis < 0)
      throw new RangeError(`invalid axis code '${ch}' in '${codes}' (use letters from L/R, P/A, I/S)`);
    return { axis, flip: (LABELS[axis] as [string, string])[1] === ch ? 1 : -1 };
  });
}

/**
 * The transform from orientation `start` to `end` (nibabel `ornt_transform`): for each axis of the
 * start array, which axis of the result it becomes and whether it is flipped.
 */
export function orientationTransform(start: Orientation, end: Orientation): Orientation {
  if (start.length !== end.length) throw new RangeError('orientations must have the same number of axes');
  return start.map((s) => {
    const j = end.findIndex((e) => e.axis === s.axis);
    if (j < 0) throw new RangeError('start and end orientations do not cover the same world axes');
    return { axis: j, flip: s.flip === end[j]!.flip ? 1 : -1 };
  });
}

/** Negates the first two rows: converts between LPS and RAS worlds (MONAI `orientation_ras_lps`). */
export function lpsToRas(a: AffineMatrix): AffineMatrix {
  const out = a.slice();
  for (let c = 0; c < 4; c++) {
    out[c] = -out[c]!;
    out[4 + c] = -out[4 + c]!;
  }
  return out;
}

import { toAffineNd } from '../../src/image/affine.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import {
  applyOrientation,
  inverseOrientationAffine,
  isIdentityOrientation,
  type Orientation as Ornt,
  ioOrientation,
  orientationTransform,
} from '../../src/image/orientation.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { composeImageAffine } from './affine-utils.js';
import { matrixFromTrace, rows } from './common.js';
import { requireInvertibleAffine } from './spacing.js';

/** Axis labels: (start, end) of each world axis, MONAI/nibabel default `[['L','R'],['P','A'],['I','S']]`. */
export type AxisLabels = readonly (readonly [string, string])[];

/** nibabel's default labels. */
export const DEFAULT_LABELS: AxisLabels = [
  ['L', 'R'],
  ['P', 'A'],
  ['I', 'S'],
];

/** Options of {@link Orientation}. */
export interface OrientationOptions {
  /** Target axis codes, e.g. `'RAS'` (for 2D images the first two letters are used). */
  axcodes?: string | null;
  /** Reorient to the closest canonical (RAS) orientation instead; `axcodes` is then ignored. */
  asClosestCanonical?: boolean;
  /** Axis labels (default L/R, P/A, I/S). */
  labels?: AxisLabels | null;
}

/** nibabel `axcodes2ornt` with custom labels; throws a RangeError on an unknown or repeated code. */
export function axcodesToOrientation(axcodes: string, labels: AxisLabels = DEFAULT_LABELS): Ornt {
  const out: Ornt = [];
  for (const ch of axcodes) {
    const axis = labels.findIndex((pair) => pair[0] === ch || pair[1] === ch);
    if (axis < 0)
      throw new RangeError(
        `invalid axis code '${ch}' in '${axcodes}' (use ${labels.map((p) => `${p[0]}/${p[1]}`).join(', ')})`,
      );
    if (out.some((o) => o.axis === axis))
      throw new RangeError(`axis codes '${axcodes}' name the same world axis twice`);
    out.push({ axis, flip: (labels[axis] as readonly [string, string])[1] === ch ? 1 : -1 });
  }
  return out;
}

/** nibabel `aff2axcodes` with custom labels, for the first `n` axes of a 4×4 or (n+1)×(n+1) affine. */
export function affineToAxcodes(
  affine: readonly (readonly number[])[],
  n = 3,
  labels: AxisLabels = DEFAULT_LABELS,
): string {
  const a4 = new Float64Array(16);
  const m = toAffineNd(3, affine);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) a4[i * 4 + j] = (m[i] as number[])[j] as number;
  return ioOrientation(a4, n)
    .map((o) => (labels[o.axis] as readonly [string, string])[o.flip > 0 ? 1 : 0])
    .join('');
}

/**
 * MONAI's `Orientation` on one image: flips and permutes the spatial axes so that they run along
 * `axcodes` (or the closest canonical orientation); data values are unchanged (no resampling).
 * Records an `Orientation` trace entry with `original_affine` unless `traceClass` is null.
 */
export function orientation(
  img: MetaImage,
  options: OrientationOptions,
  traceClass: string | null = 'Orientation',
  where = 'Orientation',
): MetaImage {
  const sr = img.spatialDims;
  if (sr <= 0) fail(where, `the image has no spatial dimensions (shape [${img.shape.join(', ')}])`);
  // beyond 3 spatial dims MONAI's `to_affine_nd(sr, affine)` adds identity axes: they keep their place
  const sp = Math.min(sr, 3);
  const labels = options.labels ?? DEFAULT_LABELS;
  const affineNd = toAffineNd(sp, img.affine);
  requireInvertibleAffine(affineNd, sp, where);
  const src: Ornt = [...ioOrientation(img.affine, sp)];
  for (let i = sp; i < sr; i++) src.push({ axis: i, flip: 1 });
  let ornt: Ornt;
  if (options.asClosestCanonical) ornt = src;
  else {
    const codes = options.axcodes;
    if (typeof codes !== 'string' || codes.length === 0)
      fail(where, 'axcodes is required (e.g. "RAS") unless asClosestCanonical is true');
    let dst: Ornt;
    try {
      dst = axcodesToOrientation((codes as string).slice(0, sr), labels);
    } catch (e) {
      return fail(where, (e as Error).message);
    }
    if (dst.length < sr)
      fail(
        where,
        `axcodes '${codes}' has ${(codes as string).length} letters but the image has ${sr} spatial dims` +
          (sr > 3 ? ' (MONAI too: use asClosestCanonical, or labels with one pair per spatial dim)' : ''),
      );
    if (dst.some((o) => o.axis >= sr) && sr < 3)
      fail(
        where,
        `axcodes '${(codes as string).slice(0, sr)}' name a world axis a ${sr}D image does not have`,
      );
    try {
      ornt = orientationTransform(src, dst);
    } catch (e) {
      return fail(
        where,
        `cannot reorient ${affineToAxcodes(rows(affineNd), sr, labels)} to '${codes}': ${(e as Error).message}`,
      );
    }
  }
  if (ornt.some((o, i) => i < sp !== o.axis < sp || (i >= sp && (o.axis !== i || o.flip !== 1))))
    fail(
      where,
      `reorienting to '${String(options.axcodes)}' would move or flip a spatial axis beyond the third; ` +
        'only the first three spatial axes can be reoriented (their affine is 4×4)',
    );
  const xform = inverseOrientationAffine(ornt.slice(0, sp), img.spatialShape.slice(0, sp));
  const originalAffine = rows(toAffineNd(3, img.affine));
  let out: MetaImage;
  if (isIdentityOrientation(ornt)) out = img.shallowClone();
  else {
    const { data, shape } = applyOrientation(img.data, img.shape, ornt, 1);
    out = img.clone({ data, shape, dtype: img.dtype });
  }
  const x4: number[][] = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => xform[i * 4 + j] as number));
  out.affine = composeImageAffine(img.affine, toAffineNd(sp, x4));
  if (traceClass !== null)
    pushOperation(out, traceClass, img.spatialShape, { original_affine: originalAffine });
  return out;
}

/** Undoes an `Orientation` entry (MONAI `Orientation.inverse`): reorients back to the axis codes of `original_affine`. */
export function invertOrientation(
  img: MetaImage,
  labels: AxisLabels | null = null,
  key?: string,
  className = 'Orientation',
): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  const orig = matrixFromTrace(op.extra_info.original_affine, className, 'original_affine');
  const codes = affineToAxcodes(orig, 3, labels ?? DEFAULT_LABELS);
  return orientation(work, { axcodes: codes, labels }, null, className);
}

/**
 * Reorients an image's axes to `axcodes` (MONAI `Orientation`), e.g. `'RAS'`: flips and transposes
 * only, exact; the affine follows. Invertible.
 *
 * @example
 * const ras = await new Orientation({ axcodes: 'RAS' }).apply(img);
 */
export class Orientation extends Transform<MetaImage, MetaImage, OrientationOptions> {
  constructor(options: OrientationOptions = {}) {
    super(options);
    markInvertible(this);
    if (!options.asClosestCanonical && (typeof options.axcodes !== 'string' || options.axcodes.length === 0))
      fail(this.name, 'axcodes is required (e.g. "RAS") unless asClosestCanonical is true');
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      orientation(requireImage(img, this.name), this.options, 'Orientation', this.name),
    );
  }

  /** Reorients back to the original axis codes. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    const labels = this.options.labels ?? null;
    return withKey(this.name, undefined, () => invertOrientation(requireImage(img, this.name), labels));
  }
}

/** Dictionary twin of {@link Orientation}. */
export class Orientationd extends MapTransform<DataItem, MapTransformOptions & OrientationOptions> {
  constructor(options: MapTransformOptions & OrientationOptions) {
    super(options);
    markInvertible(this);
    if (!options.asClosestCanonical && (typeof options.axcodes !== 'string' || options.axcodes.length === 0))
      fail(this.name, 'axcodes is required (e.g. "RAS") unless asClosestCanonical is true');
  }

  async apply(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img) => orientation(img, this.options, 'Orientation', this.name));
  }

  /** Reorients each key back. */
  async inverse(data: DataItem): Promise<DataItem> {
    const labels = this.options.labels ?? null;
    return this.mapImages(data, (img, key) => invertOrientation(img, labels, key));
  }
}

import { allocArray, dtypeOf } from '../../src/image/dtype.js';
import { type MetaImage, stridesOf } from '../../src/image/meta-image.js';
import { stridedCopy } from '../../src/image/strided.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { composeImageAffine } from './affine-utils.js';
import { eye } from '../../src/image/affine.js';

/** Spatial axes option: one axis, several, or null for all (negative axes count from the end). */
export type SpatialAxes = number | readonly number[] | null | undefined;

/** Resolves spatial axes to 0-based spatial indices of an image with `n` spatial dims (MONAI `map_spatial_axes`). */
export function resolveSpatialAxes(axes: SpatialAxes, n: number, where: string): number[] {
  if (axes === null || axes === undefined) return Array.from({ length: n }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  return list.map((a) => {
    if (!Number.isInteger(a) || a >= n || a < -n)
      fail(where, `spatial axis ${String(a)} is out of range for an image with ${n} spatial dims`);
    return a < 0 ? n + a : a;
  });
}

/** Flips the data of a channel-first array along spatial axes `axes` (0-based); returns a new array. */
export function flipArray<A extends MetaImage['data']>(
  data: A,
  shape: readonly number[],
  axes: readonly number[],
): A {
  const st = stridesOf(shape);
  const strides = [...st];
  let offset = 0;
  const seen = new Set<number>();
  for (const a of axes) {
    if (seen.has(a)) continue; // torch.flip rejects duplicates; flipping twice would be identity
    seen.add(a);
    const ax = a + 1;
    strides[ax] = -(st[ax] as number);
    offset += ((shape[ax] as number) - 1) * (st[ax] as number);
  }
  const out = allocArray(dtypeOf(data), data.length) as A;
  stridedCopy(data, out, shape, strides, offset);
  return out;
}

/**
 * MONAI's `Flip` on one image: reverses the spatial axes `spatialAxis` (null: all), exact, keeping
 * the dtype; the affine follows. Records a `Flip` trace entry (`extra_info.axes` = the option as
 * given) unless `traceClass` is null.
 */
export function flip(
  img: MetaImage,
  spatialAxis: SpatialAxes,
  traceClass: string | null = 'Flip',
  where = 'Flip',
): MetaImage {
  const n = img.spatialDims;
  if (n <= 0) fail(where, `the image has no spatial dimensions (shape [${img.shape.join(', ')}])`);
  const axes = resolveSpatialAxes(spatialAxis, n, where);
  if (new Set(axes).size !== axes.length)
    fail(where, `spatial axes ${JSON.stringify(spatialAxis)} repeat an axis`);
  const data = flipArray(img.data, img.shape, axes);
  const xform = eye(Math.min(n, 3) + 1);
  const r = Math.min(n, 3);
  for (const a of axes) {
    if (a >= r) continue;
    (xform[a] as number[])[a] = -1;
    (xform[a] as number[])[r] = (img.shape[a + 1] as number) - 1;
  }
  const out = img.clone({
    data,
    shape: img.shape,
    dtype: img.dtype,
    affine: composeImageAffine(img.affine, xform),
  });
  if (traceClass !== null)
    pushOperation(out, traceClass, img.spatialShape, {
      axes:
        spatialAxis === undefined
          ? null
          : typeof spatialAxis === 'number' || spatialAxis === null
            ? spatialAxis
            : [...spatialAxis],
    });
  return out;
}

/** Undoes a `Flip` entry: flips the recorded axes again. */
export function invertFlip(img: MetaImage, className = 'Flip', key?: string): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  return flip(work, op.extra_info.axes as SpatialAxes, null, className);
}

/** Options of {@link Flip}. */
export interface FlipOptions {
  /** Spatial axes to flip (null: all; negative counts from the end). */
  spatialAxis?: SpatialAxes;
}

/**
 * Reverses the order of elements along spatial axes (MONAI `Flip`); invertible.
 *
 * @example
 * const lr = await new Flip({ spatialAxis: 0 }).apply(img);
 */
export class Flip extends Transform<MetaImage, MetaImage, FlipOptions> {
  constructor(options: FlipOptions = {}) {
    super(options);
    markInvertible(this);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      flip(requireImage(img, this.name), this.options.spatialAxis ?? null, 'Flip', this.name),
    );
  }

  /** Flips back. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertFlip(requireImage(img, this.name)));
  }
}

/** Dictionary twin of {@link Flip}. */
export class Flipd extends MapTransform<DataItem, MapTransformOptions & FlipOptions> {
  constructor(options: MapTransformOptions & FlipOptions) {
    super(options);
    markInvertible(this);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const axes = this.options.spatialAxis ?? null;
    return this.mapImages(data, (img) => flip(img, axes, 'Flip', this.name));
  }

  /** Flips each key back. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => invertFlip(img, 'Flip', key));
  }
}

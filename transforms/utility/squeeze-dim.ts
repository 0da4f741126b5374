import { type AffineMatrix, identityAffine } from '../../src/image/affine.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';

/** Options of {@link SqueezeDim}. */
export interface SqueezeDimOptions {
  /** Axis to remove (must have size 1; default 0, the channel axis); `null` removes every size-1 axis. */
  dim?: number | null;
  /** Drop a squeezed spatial axis from the affine as MONAI does (default true). */
  updateMeta?: boolean;
}

/**
 * MONAI's affine update for squeezing array axis `dim` (≥ 1): row and column `dim − 1` are removed
 * from the 4×4. The resulting 3×3 (a 2-D affine) is stored the way this library keeps 2-D affines,
 * as a 4×4 with an identity third axis: `[[a, b, 0, t0], [c, d, 0, t1], [0, 0, 1, 0], [0, 0, 0, 1]]`.
 */
export function squeezeAffine(affine: AffineMatrix, dim: number): AffineMatrix {
  if (dim < 1 || dim > 3) return affine.slice();
  const keep = [0, 1, 2, 3].filter((i) => i !== dim - 1);
  const small = keep.map((r) => keep.map((c) => affine[r * 4 + c] as number));
  const out = identityAffine();
  const place = [0, 1, 3];
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      out[(place[r] as number) * 4 + (place[c] as number)] = small[r]?.[c] as number;
  return out;
}

/**
 * Removes a size-1 axis (MONAI `SqueezeDim`). Squeezing the channel axis (dim 0, the default)
 * leaves a channel-less array, as MONAI; squeezing a spatial axis updates the affine
 * ({@link squeezeAffine}) unless `updateMeta` is false. `meta.spatial_shape` is kept (the load-time shape).
 */
export function squeezeDim(img: MetaImage, options: SqueezeDimOptions = {}, where = 'SqueezeDim'): MetaImage {
  const dim = options.dim === undefined ? 0 : options.dim;
  if (dim === null)
    return img.clone({ data: img.data, shape: img.shape.filter((s) => s !== 1), dtype: img.dtype });
  const nd = img.shape.length;
  if (!Number.isInteger(dim) || dim < -nd || dim >= nd)
    return fail(where, `dim ${String(dim)} is out of range for shape [${img.shape.join(', ')}]`);
  const ax = dim < 0 ? dim + nd : dim;
  if (img.shape[ax] !== 1)
    fail(
      where,
      `can only squeeze a size-1 axis, but axis ${ax} of shape [${img.shape.join(', ')}] has size ${img.shape[ax]}`,
    );
  const shape = img.shape.filter((_, i) => i !== ax);
  const affine = (options.updateMeta ?? true) && ax > 0 ? squeezeAffine(img.affine, ax) : img.affine.slice();
  return img.clone({ data: img.data, shape, dtype: img.dtype, affine });
}

/**
 * Removes a size-1 axis (MONAI `SqueezeDim`).
 *
 * @example
 * const slice2d = await new SqueezeDim({ dim: 3 }).apply(img); // [1, x, y, 1] → [1, x, y]
 */
export class SqueezeDim extends Transform<MetaImage, MetaImage, SqueezeDimOptions> {
  constructor(options: SqueezeDimOptions = {}) {
    super(options);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      squeezeDim(requireImage(img, this.name), this.options, this.name),
    );
  }
}

/** Dictionary twin of {@link SqueezeDim}. */
export class SqueezeDimd extends MapTransform<DataItem, MapTransformOptions & SqueezeDimOptions> {
  constructor(options: MapTransformOptions & SqueezeDimOptions) {
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () =>
        squeezeDim(requireImage(d[key], this.name, key), this.options, this.name),
      );
    return d;
  }
}

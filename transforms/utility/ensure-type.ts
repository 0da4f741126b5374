import { identityAffine } from '../../src/image/affine.js';
import { type DType, castArray } from '../../src/image/dtype.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform } from '../transform.js';
import { dtypeOption } from './dtype-option.js';
import { fail, withKey } from '../keyed-errors.js';

/** An image with the same data and shape but no metadata: identity affine, empty meta, no trace (MONAI's plain tensor). */
export function dropMeta(img: MetaImage): MetaImage {
  return img.shallowClone({ affine: identityAffine(), meta: {}, appliedOperations: [] });
}

/** Options of {@link EnsureType}. */
export interface EnsureTypeOptions {
  /** `'tensor'` (default: a MetaImage marked for conversion at collate) or `'numpy'` (a plain array: meta dropped). */
  dataType?: 'tensor' | 'numpy';
  /** Cast to this dtype (default: keep). float64 stays float64 here; collate makes it float32 for tfjs. */
  dtype?: DType | null;
  /** Accepted for MONAI compatibility (tensors are made at collate, on the backend's device). */
  device?: unknown;
  /** Accepted for MONAI compatibility. */
  wrapSequence?: boolean;
  /** Keep meta, affine and trace (default true); false returns a MetaImage without them (MONAI's plain tensor). */
  trackMeta?: boolean | null;
}

/**
 * MONAI's `EnsureType` on one value: a MetaImage is cast to `dtype` (if given) and keeps its meta
 * unless `trackMeta` is false or `dataType` is `'numpy'`; a typed array is cast; other values
 * (numbers, strings, lists) pass through. No tensor is made here: the DataLoader's collate (or
 * `toTensor`) converts MetaImages to tf tensors (float64 → float32, small integers → int32).
 */
export function ensureType(value: unknown, options: EnsureTypeOptions = {}, where = 'EnsureType'): unknown {
  const dataType = dataTypeOption(options.dataType, where);
  const dtype =
    options.dtype === undefined || options.dtype === null ? null : dtypeOption(options.dtype, where);
  const keepMeta = dataType === 'tensor' && options.trackMeta !== false;
  if (MetaImage.isMetaImage(value)) {
    const same = dtype === null || dtype === value.dtype;
    const out = same ? value.shallowClone() : value.clone({ data: castArray(value.data, dtype), dtype });
    return keepMeta ? out : dropMeta(out);
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return dtype === null ? value : castArray(value as never, dtype);
  return value;
}

/** Checks `dataType`: `'tensor'` (the default) or `'numpy'`; anything else is refused. */
function dataTypeOption(v: unknown, where: string): 'tensor' | 'numpy' {
  if (v === undefined || v === 'tensor' || v === 'numpy') return v ?? 'tensor';
  return fail(where, `dataType must be 'tensor' or 'numpy', got ${JSON.stringify(v)}`);
}

/**
 * Ensures an image is ready for tensor conversion with MONAI's dtype semantics (MONAI `EnsureType`).
 *
 * @example
 * const out = await new EnsureType({ dtype: 'float64' }).apply(img); // stays float64 until collate
 */
export class EnsureType extends Transform<unknown, unknown, EnsureTypeOptions> {
  constructor(options: EnsureTypeOptions = {}) {
    super(options);
  }

  async apply(value: unknown): Promise<unknown> {
    return withKey(this.name, undefined, () => ensureType(value, this.options, this.name));
  }
}

/** Dictionary twin of {@link EnsureType}. */
export class EnsureTyped extends MapTransform<DataItem, MapTransformOptions & EnsureTypeOptions> {
  constructor(options: MapTransformOptions & EnsureTypeOptions) {
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => ensureType(d[key], this.options, this.name));
    return d;
  }
}

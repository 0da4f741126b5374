import type { DType } from '../../src/image/dtype.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { markInvertible } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform } from '../transform.js';
import { ensureType } from './ensure-type.js';
import { withKey } from '../keyed-errors.js';

/** Options of {@link ToTensor}. */
export interface ToTensorTransformOptions {
  /** Cast to this dtype (default: keep). */
  dtype?: DType | null;
  /** Accepted for MONAI compatibility (tensors are made at collate, on the backend's device). */
  device?: unknown;
  /** Accepted for MONAI compatibility. */
  wrapSequence?: boolean;
  /** Keep meta and affine (default true); false drops them (MONAI's plain tensor). */
  trackMeta?: boolean | null;
}

/**
 * MONAI's `ToTensor` on one value: like {@link ensureType}, and, as MONAI does, the image's
 * `appliedOperations` trace is dropped (invert before ToTensor, not after).
 */
export function toTensorValue(
  value: unknown,
  options: ToTensorTransformOptions = {},
  where = 'ToTensor',
): unknown {
  const out = ensureType(value, { dtype: options.dtype, trackMeta: options.trackMeta }, where);
  if (MetaImage.isMetaImage(out)) {
    const img = out === value ? out.shallowClone() : out;
    img.appliedOperations = [];
    return img;
  }
  return out;
}

/**
 * Marks an image for tensor conversion with MONAI's dtype semantics (MONAI `ToTensor`). The
 * MetaImage stays a typed array; the DataLoader's collate (or `toTensor`) makes the tf tensor.
 *
 * @example
 * const out = await new ToTensor({ dtype: 'float32' }).apply(img);
 */
export class ToTensor extends Transform<unknown, unknown, ToTensorTransformOptions> {
  constructor(options: ToTensorTransformOptions = {}) {
    super(options);
  }

  async apply(value: unknown): Promise<unknown> {
    return withKey(this.name, undefined, () => toTensorValue(value, this.options, this.name));
  }
}

/** Dictionary twin of {@link ToTensor}. Its inverse (MONAI: back to numpy) changes nothing here. */
export class ToTensord extends MapTransform<DataItem, MapTransformOptions & ToTensorTransformOptions> {
  constructor(options: MapTransformOptions & ToTensorTransformOptions) {
    super(options);
    markInvertible(this);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => toTensorValue(d[key], this.options, this.name));
    return d;
  }

  /** Nothing to undo: the data is already a typed array. */
  async inverse(data: DataItem): Promise<DataItem> {
    return { ...data };
  }
}

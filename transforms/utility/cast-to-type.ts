import { type DType, castArray } from '../../src/image/dtype.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform } from '../transform.js';
import { dtypeOption } from './dtype-option.js';
import { fail, withKey } from '../keyed-errors.js';

/** Options of {@link CastToType}. */
export interface CastToTypeOptions {
  /** Target dtype (default `'float32'`). */
  dtype?: DType;
}

/**
 * Casts an image (or a typed array) to `dtype` as numpy's `astype`: floats to integers truncate
 * toward zero, out-of-range values wrap, NaN becomes 0, `bool` is `x != 0`. The data array is reused
 * when the dtype already matches.
 */
export function castToType<T>(value: T, dtype: DType, where = 'CastToType'): T {
  const dt = dtypeOption(dtype, where);
  if (MetaImage.isMetaImage(value)) {
    if (value.dtype === dt) return value.shallowClone({ dtype: dt }) as T;
    return value.clone({ data: castArray(value.data, dt), dtype: dt }) as T;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return castArray(value as never, dt) as T;
  return fail(where, `expected a MetaImage or a typed array, got ${value === null ? 'null' : typeof value}`);
}

/**
 * Casts to another dtype (MONAI `CastToType`), truncating as numpy does.
 *
 * @example
 * const label = await new CastToType({ dtype: 'int16' }).apply(labelImage);
 */
export class CastToType extends Transform<MetaImage, MetaImage, CastToTypeOptions> {
  constructor(options: CastToTypeOptions = {}) {
    super(options);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => castToType(img, this.options.dtype ?? 'float32', this.name));
  }
}

/** Dictionary twin of {@link CastToType}; `dtype` may be one per key. */
export class CastToTyped extends MapTransform<
  DataItem,
  MapTransformOptions & { dtype?: DType | readonly DType[] }
> {
  readonly dtypes: DType[];

  constructor(options: MapTransformOptions & { dtype?: DType | readonly DType[] }) {
    super(options);
    this.dtypes = perKey(options.dtype ?? 'float32', this.keys, this.name, 'dtype');
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      const dt = this.dtypes[this.keys.indexOf(key)] as DType;
      d[key] = withKey(this.name, key, () => castToType(d[key], dt, this.name));
    }
    return d;
  }
}

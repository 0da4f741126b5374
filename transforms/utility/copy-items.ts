import { TransformError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';

/** A deep copy of an item value: MetaImages and typed arrays copied, arrays and plain objects recursively; functions and class instances kept. */
export function deepCopyValue<T>(value: T): T {
  if (MetaImage.isMetaImage(value)) return value.clone() as T;
  if (ArrayBuffer.isView(value)) return (value as unknown as Float64Array).slice() as unknown as T;
  if (Array.isArray(value)) return value.map((v) => deepCopyValue(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = deepCopyValue(v);
    return out as T;
  }
  return value;
}

/** Options of {@link CopyItemsd}. */
export interface CopyItemsdOptions extends MapTransformOptions {
  /** How many copies of each key (default 1). */
  times?: number;
  /**
   * New key names: `keys.length × times` of them, copy by copy (`[k1_copy1, k2_copy1, k1_copy2, ...]`).
   * Null (default) names them as MONAI does: `${key}_${i}` listed key by key
   * (`[k1_0, k1_1, k2_0, k2_1]`) but, like any list, consumed copy by copy.
   */
  names?: string | readonly string[] | null;
}

/**
 * Copies items to new keys (MONAI `CopyItemsd`), deep copies so later transforms can change them
 * independently.
 *
 * @example
 * new CopyItemsd({ keys: ['image', 'label'], times: 1, names: ['image_orig', 'label_orig'] });
 */
export class CopyItemsd extends MapTransform<DataItem, CopyItemsdOptions> {
  readonly times: number;
  readonly names: string[];

  constructor(options: CopyItemsdOptions) {
    super(options);
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new TransformError(this.name, undefined, `times must be an integer ≥ 1, got ${String(times)}`);
    this.times = times;
    const names =
      options.names === undefined || options.names === null
        ? this.keys.flatMap((k) => Array.from({ length: times }, (_, i) => `${k}_${i}`))
        : typeof options.names === 'string'
          ? [options.names]
          : [...options.names];
    if (names.length !== this.keys.length * times)
      throw new TransformError(
        this.name,
        undefined,
        `names has ${names.length} entries but keys × times = ${this.keys.length} × ${times} = ${this.keys.length * times}; give one new name per key per copy`,
      );
    this.names = names;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const n = this.keys.length;
    for (let t = 0; t < this.times; t++) {
      for (const key of this.keyIterator(d)) {
        const newKey = this.names[t * n + this.keys.indexOf(key)] as string;
        if (newKey in d)
          throw new TransformError(
            this.name,
            key,
            `cannot copy to '${newKey}': the key already exists in the data item`,
          );
        d[newKey] = deepCopyValue(d[key]);
      }
    }
    return d;
  }
}

import { TransformError } from '../../src/errors.js';
import type { DType, NumericArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { type MapTransformOptions, perKey } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import {
  allocFloat,
  castOutput,
  computeDTypeOf,
  describe,
  requireFinite,
  requireOptions,
} from './intensity-utils.js';
import { checkedOptions } from '../option-check.js';
import { rounder } from '../../src/image/numerics.js';

/** Options of {@link ShiftIntensity}. */
export interface ShiftIntensityOptions {
  /** Value added to every voxel. */
  offset: number;
  /** Clamp to the dtype's range before casting back (integer images); default false (wraps, as MONAI). */
  safe?: boolean;
}

/**
 * The ShiftIntensity kernel: `x + offset` in torch's precision (float32 unless float64), cast back to
 * the input dtype (integers truncate; `safe` clamps first).
 */
export function shiftIntensityArray(
  data: NumericArray,
  inputDType: DType,
  offset: number,
  safe = false,
): NumericArray {
  const compute = computeDTypeOf(inputDType);
  const f = rounder(compute);
  const o = f(offset);
  const out = allocFloat(compute, data.length);
  for (let i = 0; i < data.length; i++) out[i] = f((data[i] as number) + o);
  return castOutput(out, inputDType, safe);
}

/** ShiftIntensity on one image (a new MetaImage, same dtype). */
export function shiftIntensity(img: MetaImage, offset: number, safe = false): MetaImage {
  return img.clone({ data: shiftIntensityArray(img.data, img.dtype, offset, safe), dtype: img.dtype });
}

/**
 * Adds a constant to every voxel (MONAI `ShiftIntensity`); the dtype is kept.
 *
 * @example
 * await new ShiftIntensity({ offset: 100.5 }).apply(img);
 */
export class ShiftIntensity extends ImageTransform<ShiftIntensityOptions> {
  constructor(options: ShiftIntensityOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    if (typeof options !== 'object' || options === null)
      throw new TransformError('ShiftIntensity', undefined, 'options { offset } are required');
    requireFinite('ShiftIntensity', 'offset', options.offset);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    const o = this.options;
    return shiftIntensity(img, o.offset, o.safe ?? false);
  }
}

/**
 * MONAI's `factor_key` / `meta_keys` / `meta_key_postfix` of ShiftIntensityd and RandShiftIntensityd:
 * each one value for all keys or one per key.
 */
export interface MetaFactorOptions {
  /**
   * Key(s) in each key's meta dictionary whose value multiplies the offset (MONAI `factor_key`), e.g. a
   * statistic stored by an earlier transform. Missing → the plain offset.
   */
  factorKey?: string | readonly (string | null)[] | null;
  /** Meta dictionary key(s) of each key (default `${key}_${metaKeyPostfix}`). */
  metaKeys?: string | readonly (string | null)[] | null;
  /** Postfix(es) of the meta dictionary key (default `'meta_dict'`). */
  metaKeyPostfix?: string | readonly string[];
}

/**
 * Resolves {@link MetaFactorOptions} per key at construction (wrong lengths are refused there) and
 * returns the lookup: the factor for `keys[index]` in the item, or null when there is none.
 */
export function metaFactorLookup(
  name: string,
  keys: readonly string[],
  options: MetaFactorOptions,
): (d: DataItem, key: string, index: number) => number | null {
  const factorKeys = perKey(options.factorKey ?? null, keys, name, 'factorKey');
  const metaKeys = perKey(options.metaKeys ?? null, keys, name, 'metaKeys');
  const postfixes = perKey(options.metaKeyPostfix ?? 'meta_dict', keys, name, 'metaKeyPostfix');
  return (d, key, index) => {
    const factorKey = factorKeys[index] ?? null;
    if (factorKey === null) return null;
    const metaKey = metaKeys[index] ?? `${key}_${postfixes[index]!}`;
    const meta = d[metaKey];
    const v = meta && typeof meta === 'object' ? (meta as Record<string, unknown>)[factorKey] : undefined;
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TransformError(
        name,
        key,
        `${metaKey}.${factorKey} must be a finite number, got ${describe(v)}`,
      );
    return v;
  };
}

/** Options of {@link ShiftIntensityd}. */
export interface ShiftIntensitydOptions
  extends MapTransformOptions, ShiftIntensityOptions, MetaFactorOptions {}

/** Dictionary twin of {@link ShiftIntensity}, with MONAI's `factorKey` from the item's meta dictionary. */
export class ShiftIntensityd extends ImageMapTransform<ShiftIntensitydOptions> {
  private readonly factor: ReturnType<typeof metaFactorLookup>;

  constructor(options: ShiftIntensitydOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    requireFinite('ShiftIntensityd', 'offset', options.offset);
    super(options);
    this.factor = metaFactorLookup(this.name, this.keys, options);
  }

  protected transformKey(img: MetaImage, key: string, index: number, d: DataItem): MetaImage {
    const o = this.options;
    const factor = this.factor(d, key, index);
    return shiftIntensity(img, factor === null ? o.offset : o.offset * factor, o.safe ?? false);
  }
}

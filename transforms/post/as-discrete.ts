import { TransformError } from '../../src/errors.js';
import type { DType, NumericArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { perKey, type MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { castOutput, describe, dtypeOption, requireOptions } from '../intensity/intensity-utils.js';
import { checkedOptions } from '../option-check.js';
import { roundHalfEven } from '../../src/image/numerics.js';

/** Options of {@link AsDiscrete}. */
export interface AsDiscreteOptions {
  /** Argmax over the channel axis (keeps it as size 1 unless `keepdim` is false). */
  argmax?: boolean;
  /** One-hot encode a 1-channel label map into this many classes. */
  toOnehot?: number | null;
  /** Binarise with `x >= threshold` (as MONAI). */
  threshold?: number | null;
  /** `'torchrounding'`: round half to even. */
  rounding?: 'torchrounding' | null;
  /** Axis of argmax / one-hot (only the channel axis 0 is supported). */
  dim?: number;
  /** Keep the reduced axis in argmax (default true). */
  keepdim?: boolean;
  /** Output dtype (default `'float32'`). */
  dtype?: DType;
}

/**
 * AsDiscrete on a channel-first array: argmax over channels (first maximum wins; NaN counts as the
 * maximum, as torch), then one-hot, then `>= threshold`, then rounding; the result is cast to `dtype`
 * (float32 by default). Returns the data, shape and dtype.
 */
export function asDiscreteArray(
  data: NumericArray,
  shape: readonly number[],
  options: AsDiscreteOptions = {},
): { data: NumericArray; shape: number[]; dtype: DType } {
  if ((options.dim ?? 0) !== 0)
    throw new TransformError(
      'AsDiscrete',
      undefined,
      `only dim 0 (the channel axis) is supported, got ${String(options.dim)}`,
    );
  let values: ArrayLike<number> = data;
  let outShape = [...shape];
  let isFloat64 = data instanceof Float64Array;
  if (options.argmax) {
    const c = shape[0] ?? 1;
    const per = c === 0 ? 0 : data.length / c;
    const idx = new Float64Array(per);
    for (let i = 0; i < per; i++) {
      let best = 0;
      let bv = data[i] as number;
      for (let k = 1; k < c; k++) {
        const v = data[k * per + i] as number;
        if (Number.isNaN(bv)) break;
        if (v > bv || Number.isNaN(v)) {
          best = k;
          bv = v;
        }
      }
      idx[i] = best;
    }
    values = idx;
    isFloat64 = false;
    outShape = options.keepdim === false ? shape.slice(1) : [1, ...shape.slice(1)];
  }
  if (options.toOnehot !== null && options.toOnehot !== undefined) {
    const k = options.toOnehot;
    if ((outShape[0] ?? 1) !== 1 || outShape.length < 1)
      throw new TransformError(
        'AsDiscrete',
        undefined,
        `toOnehot needs a 1-channel label map, got shape [${outShape.join(', ')}]`,
      );
    const per = values.length;
    const oh = new Float32Array(per * k);
    for (let i = 0; i < per; i++) {
      const v = values[i] as number;
      const l = Math.trunc(v);
      if (!Number.isFinite(v) || l < 0 || l >= k)
        throw new TransformError(
          'AsDiscrete',
          undefined,
          `label value ${v} is outside [0, ${k}) for toOnehot: ${k}; check the number of classes`,
        );
      oh[l * per + i] = 1;
    }
    values = oh;
    isFloat64 = false;
    outShape = [k, ...outShape.slice(1)];
  }
  if (options.threshold !== null && options.threshold !== undefined) {
    const t = isFloat64 ? options.threshold : Math.fround(options.threshold);
    const b = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) b[i] = (values[i] as number) >= t ? 1 : 0;
    values = b;
  }
  if (options.rounding !== null && options.rounding !== undefined) {
    const r = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) r[i] = roundHalfEven(values[i] as number);
    values = r;
  }
  const dtype = dtypeOption('AsDiscrete', options.dtype, 'float32') ?? 'float32';
  const src = ArrayBuffer.isView(values) ? (values as NumericArray) : Float64Array.from(values);
  return { data: castOutput(src === data ? data.slice() : src, dtype), shape: outShape, dtype };
}

/** AsDiscrete on one image (a new MetaImage). */
export function asDiscrete(img: MetaImage, options: AsDiscreteOptions = {}): MetaImage {
  const r = asDiscreteArray(img.data, img.shape, options);
  return img.clone({ data: r.data, shape: r.shape, dtype: r.dtype });
}

function checkOptions(name: string, o: AsDiscreteOptions | AsDiscretedOptions): void {
  if (typeof o.toOnehot === 'boolean')
    throw new TransformError(
      name,
      undefined,
      '`toOnehot: true/false` is not supported: give the number of classes, e.g. toOnehot: 3',
    );
  if (typeof o.threshold === 'boolean')
    throw new TransformError(
      name,
      undefined,
      '`threshold: true/false` is not supported: give the value, e.g. threshold: 0.5',
    );
  const checkOne = (k: unknown) => {
    if (k !== null && k !== undefined && !(Number.isInteger(k) && (k as number) >= 1))
      throw new TransformError(
        name,
        undefined,
        `toOnehot must be the number of classes (an integer >= 1), got ${describe(k)}`,
      );
  };
  const checkT = (t: unknown) => {
    if (t !== null && t !== undefined && !(typeof t === 'number' && !Number.isNaN(t)))
      throw new TransformError(name, undefined, `threshold must be a number, got ${describe(t)}`);
  };
  const checkR = (r: unknown) => {
    if (r !== null && r !== undefined && r !== 'torchrounding')
      throw new TransformError(
        name,
        undefined,
        `rounding must be 'torchrounding' or null, got ${describe(r)}`,
      );
  };
  for (const v of Array.isArray(o.toOnehot) ? o.toOnehot : [o.toOnehot]) checkOne(v);
  for (const v of Array.isArray(o.threshold) ? o.threshold : [o.threshold]) checkT(v);
  for (const v of Array.isArray(o.rounding) ? o.rounding : [o.rounding]) checkR(v);
  dtypeOption(name, o.dtype, 'float32');
}

/**
 * Discretises model outputs (MONAI `AsDiscrete`): argmax over channels, one-hot encoding,
 * thresholding with `>=`, rounding. Output float32.
 *
 * @example
 * await new AsDiscrete({ argmax: true, toOnehot: 3 }).apply(logits);
 */
export class AsDiscrete extends ImageTransform<AsDiscreteOptions> {
  constructor(options: AsDiscreteOptions = {}) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('AsDiscrete', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return asDiscrete(img, this.options);
  }
}

/** Options of {@link AsDiscreted}: each of argmax/toOnehot/threshold/rounding may be given per key. */
export interface AsDiscretedOptions
  extends MapTransformOptions, Omit<AsDiscreteOptions, 'argmax' | 'toOnehot' | 'threshold' | 'rounding'> {
  argmax?: boolean | readonly boolean[];
  toOnehot?: number | null | readonly (number | null)[];
  threshold?: number | null | readonly (number | null)[];
  rounding?: 'torchrounding' | null | readonly ('torchrounding' | null)[];
}

/** Dictionary twin of {@link AsDiscrete} (options per key as MONAI's `ensure_tuple_rep`). */
export class AsDiscreted extends ImageMapTransform<AsDiscretedOptions> {
  private readonly perKeyOptions: AsDiscreteOptions[];

  constructor(options: AsDiscretedOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('AsDiscreted', options);
    super(options);
    const argmax = perKey(options.argmax ?? false, this.keys, this.name, 'argmax');
    const toOnehot = perKey(options.toOnehot ?? null, this.keys, this.name, 'toOnehot');
    const threshold = perKey(options.threshold ?? null, this.keys, this.name, 'threshold');
    const rounding = perKey(options.rounding ?? null, this.keys, this.name, 'rounding');
    this.perKeyOptions = this.keys.map((_, i) => ({
      argmax: argmax[i],
      toOnehot: toOnehot[i],
      threshold: threshold[i],
      rounding: rounding[i],
      dim: options.dim,
      keepdim: options.keepdim,
      dtype: options.dtype,
    }));
  }

  protected transformKey(img: MetaImage, _key: string, i: number, _d: DataItem): MetaImage {
    return asDiscrete(img, this.perKeyOptions[i] as AsDiscreteOptions);
  }
}

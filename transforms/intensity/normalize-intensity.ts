import { TransformError } from '../../src/errors.js';
import { type DType, type NumericArray, isFloatDType } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import {
  castOutput,
  channelViews,
  describe,
  dtypeOption,
  meanStd,
  rejectNaN,
  requireOptions,
} from './intensity-utils.js';
import { checkedOptions } from '../option-check.js';

/** A subtrahend or divisor: one number, or one value per voxel (same size as the image or channel). */
export type NormalizeValue = number | ArrayLike<number>;

/** Options of {@link NormalizeIntensity}. */
export interface NormalizeIntensityOptions {
  /** Value(s) to subtract (default: the mean). With `channelWise`, one entry per channel. */
  subtrahend?: NormalizeValue | readonly NormalizeValue[] | null;
  /** Value(s) to divide by (default: the population std; 0 becomes 1). With `channelWise`, one per channel. */
  divisor?: NormalizeValue | readonly NormalizeValue[] | null;
  /** Normalise only the non-zero voxels (statistics from them too); zeros stay zero. */
  nonzero?: boolean;
  /** Statistics per channel. */
  channelWise?: boolean;
  /** Output dtype (default `'float32'`; `null` keeps the input dtype). */
  dtype?: DType | null;
}

/**
 * MONAI's `NormalizeIntensity._normalize` on float32 values: `(x - sub) / div` in float32, with the
 * mean and population std (float64 reductions, rounded to float32 as torch returns them) when not
 * given, a zero divisor replaced by 1, and, with `nonzero`, only the non-zero voxels touched (an image
 * without any is returned as is). Writes into `out`.
 */
export function normalizeArray(
  x: Float32Array,
  out: Float32Array,
  sub: NormalizeValue | null,
  div: NormalizeValue | null,
  nonzero: boolean,
): void {
  const f = Math.fround;
  const n = x.length;
  let selected: Float32Array = x;
  let index: Int32Array | null = null;
  if (nonzero) {
    let count = 0;
    for (let i = 0; i < n; i++) if (x[i] !== 0) count++;
    out.set(x);
    if (count === 0) return;
    index = new Int32Array(count);
    selected = new Float32Array(count);
    for (let i = 0, k = 0; i < n; i++)
      if (x[i] !== 0) {
        index[k] = i;
        selected[k++] = x[i] as number;
      }
  }
  if ((sub === null || div === null) && selected.length > 0)
    rejectNaN('NormalizeIntensity', selected, 'mean and standard deviation');
  const stats = sub === null || div === null ? meanStd(selected, 0) : { mean: 0, std: 1 };
  const subAt = valueAt(sub ?? f(stats.mean), n, 'subtrahend');
  let divScalar: number | null = null;
  let divArray: ArrayLike<number> | null = null;
  if (div === null || typeof div === 'number') {
    divScalar = f(div ?? stats.std);
    if (divScalar === 0) divScalar = 1;
  } else {
    checkLength(div, n, 'divisor');
    divArray = div;
  }
  const divAt = (i: number): number => {
    if (divScalar !== null) return divScalar;
    const v = f(divArray![i] as number);
    return v === 0 ? 1 : v;
  };
  if (index === null) {
    for (let i = 0; i < n; i++) out[i] = f(f((x[i] as number) - subAt(i)) / divAt(i));
  } else {
    for (let k = 0; k < index.length; k++) {
      const i = index[k] as number;
      out[i] = f(f((x[i] as number) - subAt(i)) / divAt(i));
    }
  }
}

function checkLength(v: ArrayLike<number>, n: number, what: string): void {
  if (v.length !== n)
    throw new TransformError(
      'NormalizeIntensity',
      undefined,
      `${what} has ${v.length} values but the image (or channel) has ${n} voxels`,
    );
}

function valueAt(v: NormalizeValue, n: number, what: string): (i: number) => number {
  if (typeof v === 'number') {
    const s = Math.fround(v);
    return () => s;
  }
  checkLength(v, n, what);
  return (i) => Math.fround(v[i] as number);
}

/**
 * The NormalizeIntensity kernel on a channel-first array. Computes in float32 (MONAI converts to
 * float32 first, even float64). As in MONAI, `channelWise` writes each channel back into the input's
 * dtype before the final cast, so integer inputs are truncated there.
 */
export function normalizeIntensityArray(
  data: NumericArray,
  shape: readonly number[],
  inputDType: DType,
  options: NormalizeIntensityOptions = {},
): { data: NumericArray; dtype: DType } {
  const outDType = dtypeOption('NormalizeIntensity', options.dtype) ?? inputDType;
  const x = Float32Array.from(data as ArrayLike<number>);
  const out = new Float32Array(x.length);
  const sub = options.subtrahend ?? null;
  const div = options.divisor ?? null;
  if (options.channelWise) {
    const c = shape[0] ?? 1;
    for (const [name, v] of [
      ['subtrahend', sub],
      ['divisor', div],
    ] as const)
      if (v !== null && (typeof v === 'number' || (v as ArrayLike<unknown>).length !== c))
        throw new TransformError(
          'NormalizeIntensity',
          undefined,
          `img has ${c} channels, but ${name} has ${typeof v === 'number' ? 'a single value' : `${(v as ArrayLike<unknown>).length} components`}; with channelWise give one value per channel`,
        );
    const xs = channelViews(x, shape);
    const os = channelViews(out, shape);
    xs.forEach((ch, i) => {
      const o = os[i] as Float32Array;
      normalizeArray(
        ch,
        o,
        sub === null ? null : ((sub as readonly NormalizeValue[])[i] as NormalizeValue),
        div === null ? null : ((div as readonly NormalizeValue[])[i] as NormalizeValue),
        options.nonzero ?? false,
      );
      if (!isFloatDType(inputDType)) for (let k = 0; k < o.length; k++) o[k] = Math.trunc(o[k] as number);
    });
  } else {
    for (const [name, v] of [
      ['subtrahend', sub],
      ['divisor', div],
    ] as const)
      if (v !== null && typeof v !== 'number' && v.length !== x.length && v.length === (shape[0] ?? 1))
        throw new TransformError(
          'NormalizeIntensity',
          undefined,
          `${name} ${describe(Array.from(v as ArrayLike<number>))} has one value per channel: pass channelWise: true`,
        );
    normalizeArray(
      x,
      out,
      sub as NormalizeValue | null,
      div as NormalizeValue | null,
      options.nonzero ?? false,
    );
  }
  return { data: castOutput(out, outDType), dtype: outDType };
}

/** NormalizeIntensity on one image (a new MetaImage). */
export function normalizeIntensity(img: MetaImage, options: NormalizeIntensityOptions = {}): MetaImage {
  const r = normalizeIntensityArray(img.data, img.shape, img.dtype, options);
  return img.clone({ data: r.data, dtype: r.dtype });
}

function checkValue(name: string, option: string, v: unknown, channelWise: boolean): void {
  if (v === null || v === undefined) return;
  const bad = (x: unknown) => typeof x === 'number' && !Number.isFinite(x);
  if (bad(v)) throw new TransformError(name, undefined, `${option} must be finite, got ${String(v)}`);
  if (typeof v === 'number') return;
  if (typeof v !== 'object' || typeof (v as ArrayLike<unknown>).length !== 'number')
    throw new TransformError(name, undefined, `${option} must be a number or an array, got ${describe(v)}`);
  const arr = Array.from(v as ArrayLike<unknown>);
  for (const x of arr) {
    if (channelWise && typeof x === 'object' && x !== null) continue;
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new TransformError(name, undefined, `${option} must hold finite numbers, got ${describe(x)}`);
  }
}

function checkOptions(name: string, o: NormalizeIntensityOptions): void {
  checkValue(name, 'subtrahend', o.subtrahend, o.channelWise ?? false);
  checkValue(name, 'divisor', o.divisor, o.channelWise ?? false);
  dtypeOption(name, o.dtype);
}

/**
 * Normalises intensities to `(x - subtrahend) / divisor`, by default zero mean and unit population
 * std (MONAI `NormalizeIntensity`), optionally over non-zero voxels only and/or per channel.
 *
 * @example
 * await new NormalizeIntensity({ nonzero: true, channelWise: true }).apply(mri);
 */
export class NormalizeIntensity extends ImageTransform<NormalizeIntensityOptions> {
  constructor(options: NormalizeIntensityOptions = {}) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('NormalizeIntensity', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return normalizeIntensity(img, this.options);
  }
}

/** Dictionary twin of {@link NormalizeIntensity}. */
export class NormalizeIntensityd extends ImageMapTransform<MapTransformOptions & NormalizeIntensityOptions> {
  constructor(options: MapTransformOptions & NormalizeIntensityOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('NormalizeIntensityd', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return normalizeIntensity(img, this.options);
  }
}

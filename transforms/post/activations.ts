import { TransformError } from '../../src/errors.js';
import type { NumericArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { perKey, type MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { castOutput, requireOptions } from '../intensity/intensity-utils.js';
import { checkedOptions } from '../option-check.js';

/** A custom activation: gets the float32 values and the shape, returns values of the same length. */
export type ActivationFunction = (data: Float32Array, shape: readonly number[]) => ArrayLike<number>;

/** Options of {@link Activations}. */
export interface ActivationsOptions {
  /** Apply the sigmoid. */
  sigmoid?: boolean;
  /** Apply the softmax over the channel axis. */
  softmax?: boolean;
  /** Another activation applied after sigmoid/softmax (MONAI `other`, e.g. `tanh`). */
  other?: ActivationFunction | null;
  /** Softmax axis of the channel-first array (default 0, the channel axis; negative counts from the end). */
  dim?: number;
}

/**
 * Activations on a channel-first array: sigmoid, softmax over channels and/or a custom function,
 * computed on float32 values (float64 internally, rounded to float32 as torch's results); the result
 * is cast back to the input's dtype, as in MONAI.
 */
export function activationsArray(
  data: NumericArray,
  shape: readonly number[],
  options: ActivationsOptions = {},
): Float32Array {
  if (options.sigmoid && options.softmax)
    throw new TransformError(
      'Activations',
      undefined,
      'incompatible options: sigmoid and softmax are both true',
    );
  let x: Float32Array =
    data instanceof Float32Array ? data.slice() : Float32Array.from(data as ArrayLike<number>);
  if (options.sigmoid) for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-(x[i] as number)));
  if (options.softmax) {
    const nd = shape.length;
    const dim0 = options.dim ?? 0;
    const dim = dim0 < 0 ? dim0 + nd : dim0;
    if (!Number.isInteger(dim0) || dim < 0 || dim >= nd)
      throw new TransformError(
        'Activations',
        undefined,
        `dim ${String(options.dim)} is out of range for shape [${shape.join(', ')}]`,
      );
    const c = shape[dim] as number;
    const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const outer = c === 0 ? 0 : x.length / (c * inner);
    const e = new Float64Array(c);
    for (let o = 0; o < outer; o++)
      for (let r = 0; r < inner; r++) {
        const base = o * c * inner + r;
        let m = -Infinity;
        for (let k = 0; k < c; k++) m = Math.max(m, x[base + k * inner] as number);
        let s = 0;
        for (let k = 0; k < c; k++) {
          e[k] = Math.exp((x[base + k * inner] as number) - m);
          s += e[k] as number;
        }
        for (let k = 0; k < c; k++) x[base + k * inner] = (e[k] as number) / s;
      }
  }
  if (options.other) {
    const r = options.other(x, shape);
    if (!r || r.length !== x.length)
      throw new TransformError(
        'Activations',
        undefined,
        `the 'other' function must return ${x.length} values, got ${r?.length}`,
      );
    x = r instanceof Float32Array ? r : Float32Array.from(r);
  }
  return x;
}

/** Activations on one image (a new MetaImage of the input's dtype). */
export function activations(img: MetaImage, options: ActivationsOptions = {}): MetaImage {
  const x = activationsArray(img.data, img.shape, options);
  return img.clone({ data: castOutput(x, img.dtype), dtype: img.dtype });
}

function checkOptions(name: string, o: ActivationsOptions | ActivationsdOptions): void {
  const others = Array.isArray(o.other) ? o.other : [o.other];
  for (const f of others)
    if (f !== null && f !== undefined && typeof f !== 'function')
      throw new TransformError(name, undefined, `'other' must be a function, got ${typeof f}`);
}

/**
 * Output activations (MONAI `Activations`): sigmoid, softmax over channels, or a custom function.
 *
 * @example
 * await new Activations({ softmax: true }).apply(logits);
 */
export class Activations extends ImageTransform<ActivationsOptions> {
  constructor(options: ActivationsOptions = {}) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('Activations', options);
    if (options.sigmoid && options.softmax)
      throw new TransformError(
        'Activations',
        undefined,
        'incompatible options: sigmoid and softmax are both true',
      );
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return activations(img, this.options);
  }
}

/** Options of {@link Activationsd}: sigmoid/softmax/other may be given per key. */
export interface ActivationsdOptions extends MapTransformOptions {
  sigmoid?: boolean | readonly boolean[];
  softmax?: boolean | readonly boolean[];
  other?: ActivationFunction | null | readonly (ActivationFunction | null)[];
  dim?: number;
}

/** Dictionary twin of {@link Activations} (options per key as MONAI's `ensure_tuple_rep`). */
export class Activationsd extends ImageMapTransform<ActivationsdOptions> {
  private readonly perKeyOptions: ActivationsOptions[];

  constructor(options: ActivationsdOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('Activationsd', options);
    super(options);
    const sigmoid = perKey(options.sigmoid ?? false, this.keys, this.name, 'sigmoid');
    const softmax = perKey(options.softmax ?? false, this.keys, this.name, 'softmax');
    const other = perKey(options.other ?? null, this.keys, this.name, 'other');
    this.perKeyOptions = this.keys.map((k, i) => {
      if (sigmoid[i] && softmax[i])
        throw new TransformError(this.name, k, 'incompatible options: sigmoid and softmax are both true');
      return { sigmoid: sigmoid[i], softmax: softmax[i], other: other[i], dim: options.dim };
    });
  }

  protected transformKey(img: MetaImage, _key: string, i: number, _d: DataItem): MetaImage {
    return activations(img, this.perKeyOptions[i] as ActivationsOptions);
  }
}

import { TransformError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform } from '../transform.js';
import { withKeyAsync } from '../keyed-errors.js';

/** A user function of a Lambda (may be async): from `I` (a MetaImage unless its parameter says otherwise) to `O`. */
export type LambdaFunction<I = MetaImage, O = unknown> = (input: I) => O | Promise<O>;

/** Options of {@link Lambda}. */
export interface LambdaOptions<I = MetaImage, O = unknown> {
  /** The function to apply. */
  func?: LambdaFunction<I, O>;
  /** Its inverse, used by `inverse` (default: identity, MONAI's `no_collation`). */
  invFunc?: LambdaFunction<O, I>;
  /**
   * MONAI wraps plain arrays returned by `func` into MetaTensors; a flat typed array has no shape here,
   * so returned arrays are left as they are. Accepted for compatibility.
   */
  trackMeta?: boolean;
}

const identity: LambdaFunction<unknown, unknown> = (x) => x;

/** Applies `fn` and, when the result is a MetaImage, records a `Lambda` trace entry (on a copy if `fn` returned its input). */
export async function applyLambda(input: unknown, fn: unknown, where = 'Lambda'): Promise<unknown> {
  if (typeof fn !== 'function')
    throw new TransformError(
      where,
      undefined,
      `func must be a function, got ${fn === null ? 'null' : typeof fn}`,
    );
  let out = await (fn as LambdaFunction<unknown>)(input);
  if (MetaImage.isMetaImage(out)) {
    if (out === input) out = out.shallowClone();
    pushOperation(out as MetaImage, 'Lambda', (out as MetaImage).spatialShape, {});
  }
  return out;
}

/** Pops the `Lambda` trace entry (if `value` is a MetaImage) and applies `invFn`. */
export async function invertLambda(
  value: unknown,
  invFn: unknown,
  where = 'Lambda',
  key?: string,
): Promise<unknown> {
  let v = value;
  if (MetaImage.isMetaImage(v)) {
    v = v.shallowClone();
    popOperation(v as MetaImage, 'Lambda', key);
  }
  if (typeof invFn !== 'function') throw new TransformError(where, key, 'invFunc must be a function');
  return await (invFn as LambdaFunction<unknown>)(v);
}

/**
 * Applies a user function (MONAI `Lambda`); invertible with `invFunc`. Unlike a bare function in a
 * Compose, a Lambda does not end the cached prefix of a pipeline. `I` and `O` are the function's input
 * and output (a MetaImage in, unless the function's parameter says otherwise).
 *
 * @example
 * const t = new Lambda({ func: (img) => img.clone({ data: img.data.map((v) => -v) }) });
 * const twice = new Lambda({ func: (x: number) => 2 * x }); // Lambda<number, number>
 */
export class Lambda<I = MetaImage, O = unknown> extends Transform<I, O, LambdaOptions<I, O>> {
  constructor(options: LambdaOptions<I, O> = {}) {
    super(options);
    markInvertible(this);
    if (options.func !== undefined && typeof options.func !== 'function')
      throw new TransformError(this.name, undefined, 'func must be a function');
  }

  /** Applies `func` (or this transform's `func`). */
  async apply(input: I, func?: LambdaFunction<I, O>): Promise<O> {
    const out = await withKeyAsync(this.name, undefined, () =>
      applyLambda(input, func ?? this.options.func, this.name),
    );
    // What the function returned (a MetaImage result only gains a trace entry).
    return out as O;
  }

  /** Pops the trace entry and applies `invFunc`. */
  async inverse(data: O): Promise<I> {
    const out = await withKeyAsync(this.name, undefined, () =>
      invertLambda(data, this.options.invFunc ?? identity, this.name),
    );
    // What `invFunc` returned (the identity gives back `data`, which the user said is an `I`).
    return out as I;
  }
}

/** Options of {@link Lambdad}. */
export interface LambdadOptions<I = MetaImage, O = unknown> extends MapTransformOptions {
  /** The function, or one per key. */
  func: LambdaFunction<I, O> | readonly LambdaFunction<I, O>[];
  /** The inverse, or one per key (default: identity). */
  invFunc?: LambdaFunction<O, I> | readonly LambdaFunction<O, I>[];
  /** See {@link LambdaOptions.trackMeta}. */
  trackMeta?: boolean;
  /** `true` (default): replace the key; `false`: discard the result; a string: write it to that key. One or one per key. */
  overwrite?: boolean | string | readonly (boolean | string)[];
}

/**
 * Dictionary twin of {@link Lambda} (MONAI `Lambdad`): `func` per key, the result replaces the key,
 * is dropped (`overwrite: false`) or goes to another key (`overwrite: 'name'`). `I` and `O` are the
 * functions' input and output (a key's MetaImage in, unless the function's parameter says otherwise).
 *
 * @example
 * new Lambdad({ keys: 'label', func: (img) => img.clone({ data: img.data.map((v) => (v > 1 ? 1 : v)) }) });
 */
export class Lambdad<I = MetaImage, O = unknown> extends MapTransform<DataItem, LambdadOptions<I, O>> {
  readonly funcs: LambdaFunction<I, O>[];
  /** One inverse per key (the identity where none was given). */
  readonly invFuncs: LambdaFunction<O, unknown>[];
  readonly overwrites: (boolean | string)[];

  constructor(options: LambdadOptions<I, O>) {
    super(options);
    markInvertible(this);
    this.funcs = perKey(options.func, this.keys, this.name, 'func');
    this.invFuncs = perKey<LambdaFunction<O, unknown>>(
      options.invFunc ?? identity,
      this.keys,
      this.name,
      'invFunc',
    );
    this.overwrites = perKey(options.overwrite ?? true, this.keys, this.name, 'overwrite');
    for (const f of this.funcs)
      if (typeof f !== 'function')
        throw new TransformError(this.name, undefined, 'func must be a function or one function per key');
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      const i = this.keys.indexOf(key);
      const ret = await withKeyAsync(this.name, key, () => applyLambda(d[key], this.funcs[i], this.name));
      const ow = this.overwrites[i];
      if (ow === true) d[key] = ret;
      else if (typeof ow === 'string') d[ow] = ret;
    }
    return d;
  }

  /**
   * Pops each key's trace entry and applies its `invFunc` (MONAI 1.4's Lambdad applies its inner
   * Lambda's default identity instead; the per-key `invFunc` is what its documentation promises).
   * Keys whose result went elsewhere (`overwrite: false` or a key name) are left as they are.
   */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      const i = this.keys.indexOf(key);
      if (this.overwrites[i] !== true) continue;
      d[key] = await withKeyAsync(this.name, key, () =>
        invertLambda(d[key], this.invFuncs[i], this.name, key),
      );
    }
    return d;
  }
}

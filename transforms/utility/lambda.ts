import { TransformError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform } from '../transform.js';
import { withKeyAsync } from '../keyed-errors.js';

/** A user function of a Lambda (may be async). */
export type LambdaFunction = (input: any) => unknown;

/** Options of {@link Lambda}. */
export interface LambdaOptions {
  /** The function to apply. */
  func?: LambdaFunction;
  /** Its inverse, used by `inverse` (default: identity, MONAI's `no_collation`). */
  invFunc?: LambdaFunction;
  /**
   * MONAI wraps plain arrays returned by `func` into MetaTensors; a flat typed array has no shape here,
   * so returned arrays are left as they are. Accepted for compatibility.
   */
  trackMeta?: boolean;
}

const identity: LambdaFunction = (x) => x;

/** Applies `fn` and, when the result is a MetaImage, records a `Lambda` trace entry (on a copy if `fn` returned its input). */
export async function applyLambda(input: unknown, fn: unknown, where = 'Lambda'): Promise<unknown> {
  if (typeof fn !== 'function')
    throw new TransformError(
      where,
      undefined,
      `func must be a function, got ${fn === null ? 'null' : typeof fn}`,
    );
  let out = await (fn as LambdaFunction)(input);
  if (MetaImage.isMetaImage(out)) {
    if (out === input) out = out.clone({ data: out.data });
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
    v = v.clone({ data: v.data });
    popOperation(v as MetaImage, 'Lambda', key);
  }
  if (typeof invFn !== 'function') throw new TransformError(where, key, 'invFunc must be a function');
  return await (invFn as LambdaFunction)(v);
}

/**
 * Applies a user function (MONAI `Lambda`); invertible with `invFunc`. Unlike a bare function in a
 * Compose, a Lambda does not end the cached prefix of a pipeline.
 *
 * @example
 * const t = new Lambda({ func: (img) => img.clone({ data: img.data.map((v) => -v) }) });
 */
export class Lambda extends Transform<any, any> {
  constructor(options: LambdaOptions = {}) {
    super(options);
    markInvertible(this);
    if (options.func !== undefined && typeof options.func !== 'function')
      throw new TransformError(this.name, undefined, 'func must be a function');
  }

  /** Applies `func` (or this transform's `func`). */
  async apply(input: unknown, func?: LambdaFunction): Promise<unknown> {
    return withKeyAsync(this.name, undefined, () =>
      applyLambda(input, func ?? (this.options as LambdaOptions).func, this.name),
    );
  }

  /** Pops the trace entry and applies `invFunc`. */
  async inverse(data: unknown): Promise<unknown> {
    return withKeyAsync(this.name, undefined, () =>
      invertLambda(data, (this.options as LambdaOptions).invFunc ?? identity, this.name),
    );
  }
}

/** Options of {@link Lambdad}. */
export interface LambdadOptions extends MapTransformOptions {
  /** The function, or one per key. */
  func: LambdaFunction | readonly LambdaFunction[];
  /** The inverse, or one per key (default: identity). */
  invFunc?: LambdaFunction | readonly LambdaFunction[];
  /** See {@link LambdaOptions.trackMeta}. */
  trackMeta?: boolean;
  /** `true` (default): replace the key; `false`: discard the result; a string: write it to that key. One or one per key. */
  overwrite?: boolean | string | readonly (boolean | string)[];
}

/**
 * Dictionary twin of {@link Lambda} (MONAI `Lambdad`): `func` per key, the result replaces the key,
 * is dropped (`overwrite: false`) or goes to another key (`overwrite: 'name'`).
 *
 * @example
 * new Lambdad({ keys: 'label', func: (img) => img.clone({ data: img.data.map((v) => (v > 1 ? 1 : v)) }) });
 */
export class Lambdad extends MapTransform {
  readonly funcs: LambdaFunction[];
  readonly invFuncs: LambdaFunction[];
  readonly overwrites: (boolean | string)[];

  constructor(options: LambdadOptions) {
    super(options);
    markInvertible(this);
    this.funcs = perKey(options.func, this.keys, this.name, 'func');
    this.invFuncs = perKey(options.invFunc ?? identity, this.keys, this.name, 'invFunc');
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

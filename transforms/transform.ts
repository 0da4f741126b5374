import { CscMlopsError, TransformError, describeError } from '../src/errors.js';
import { MetaImage } from '../src/image/meta-image.js';
import { checkOptions } from './option-check.js';

const TRANSFORM_BRAND = Symbol.for('csc-mlops.Transform');

/** A data item: MONAI's dictionary, keys to MetaImages, paths, numbers, anything. */
export type DataItem = Record<string, unknown>;

/**
 * A callable step in a Compose that is not one of our transforms (ends the cache, as in MONAI). `I` is
 * what it is given: a data item by default (a Compose of array transforms infers `MetaImage` from an
 * annotated parameter).
 */
export type TransformFunction<I = DataItem> = (input: I) => unknown;

/**
 * Base of every transform. Carries a brand symbol (checked by {@link isTransform}, not `instanceof`,
 * so two installed copies of the package interoperate). `apply` always returns a Promise.
 *
 * @example
 * class AddOne extends Transform<MetaImage> {
 *   async apply(img: MetaImage) { return img.clone({ data: img.data.map((v) => v + 1) }); }
 * }
 */
export abstract class Transform<I = unknown, O = I, Opts extends object = object> {
  readonly [TRANSFORM_BRAND] = true;
  /** The options the transform was built with, as its class types them (also used to describe it, e.g. for cache keys). */
  readonly options: Readonly<Opts>;

  /** Checks `options` against the class's option table (an unknown, wrong or missing option throws `TransformOptionError`) and keeps a shallow copy. */
  constructor(options?: Opts) {
    const given: object = options ?? {};
    checkOptions(new.target.name, given);
    // No options given: an empty object (the class's option table has already refused a missing required option).
    this.options = { ...given } as Readonly<Opts>;
  }

  /** Applies the transform. */
  abstract apply(input: I): Promise<O>;

  /** The transform's class name, as in MONAI. */
  get name(): string {
    return this.constructor.name;
  }

  /**
   * A stable JSON-able description (class name and options; functions by their source text) used to
   * key persistent caches, so a changed pipeline never serves stale entries.
   */
  describe(): unknown {
    return { class: this.name, options: describeValue(this.options) };
  }
}

/** True for our transforms (any copy of the package). */
export function isTransform(x: unknown): x is Transform {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[TRANSFORM_BRAND] === true;
}

/** JSON-able form of an option value: functions by source, typed arrays as arrays, transforms described. */
export function describeValue(v: unknown): unknown {
  if (typeof v === 'function') return `fn:${v.toString()}`;
  if (isTransform(v)) return v.describe();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(describeValue);
  if (v instanceof RegExp) return `re:${v.toString()}`;
  if (v && typeof v === 'object') {
    if (typeof (v as { describe?: unknown }).describe === 'function')
      return (v as { describe(): unknown }).describe();
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (k === 'session' || k === 'progress') continue;
      out[k] = describeValue((v as Record<string, unknown>)[k]);
    }
    return out;
  }
  return v;
}

/** Returns `value` as a MetaImage or throws a TransformError naming the transform and key. */
export function requireImage(value: unknown, transform: string, key?: string): MetaImage {
  if (MetaImage.isMetaImage(value)) return value;
  const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw new TransformError(
    transform,
    key,
    `expected a MetaImage but got ${what}${typeof value === 'string' ? ` ('${value}': load it first with LoadImaged)` : ''}`,
  );
}

/** Wraps any error thrown while applying `transform` as a TransformError (kept as is if it already is one). */
export function wrapTransformError(e: unknown, transform: string, key?: string): Error {
  // Our typed errors (TransformError, ImageReadError, XnatError, ...) pass through unchanged.
  if (e instanceof CscMlopsError) return e;
  return new TransformError(transform, key, describeError(e), { cause: e });
}

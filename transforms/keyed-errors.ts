import { CscMlopsError, TransformError } from '../src/errors.js';
import { wrapTransformError } from './transform.js';

/**
 * Re-attributes an error thrown while `transform` processed `key`: a TransformError raised by a
 * helper (a kernel such as `padArray`, or the array transform behind a dictionary twin) is wrapped
 * so the message and the `transform`/`key` fields name the transform the user called and the key.
 * Errors that already name this transform and key, and other typed errors (reading, XNAT), pass
 * through unchanged; anything else becomes a TransformError.
 */
export function keyedError(e: unknown, transform: string, key?: string): Error {
  if (e instanceof TransformError) {
    if (e.transform === transform && e.key === key) return e;
    // An error about another key (e.g. a CropForegroundd source key) is already precise.
    if (e.transform === transform && e.key !== undefined) return e;
    return new TransformError(transform, key, e.message, { cause: e });
  }
  if (e instanceof CscMlopsError) return e;
  return wrapTransformError(e, transform, key);
}

/** Runs `fn`, re-attributing its errors to `transform` and `key` (see {@link keyedError}). */
export function withKey<T>(transform: string, key: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw keyedError(e, transform, key);
  }
}

/** Throws a TransformError from a helper function (`where` names the function or transform). */
export function fail(where: string, problem: string): never {
  throw new TransformError(where, undefined, problem);
}

/** Async {@link withKey}. */
export async function withKeyAsync<T>(
  transform: string,
  key: string | undefined,
  fn: () => T | Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw keyedError(e, transform, key);
  }
}

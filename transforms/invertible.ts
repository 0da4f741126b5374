import { TransformError } from '../src/errors.js';
import type { AppliedOperation, MetaImage } from '../src/image/meta-image.js';

const INVERTIBLE_BRAND = Symbol.for('csc-mlops.Invertible');

/** A transform that can undo itself from the trace it left in `appliedOperations`. */
export interface Invertible<T = unknown> {
  /** Undoes the transform on `data`, using (and removing) the operation it recorded in the trace. */
  inverse(data: T): Promise<T>;
}

/** True for invertible transforms. */
export function isInvertible(x: unknown): x is Invertible {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[INVERTIBLE_BRAND] === true;
}

/** Marks a transform instance as invertible (call in its constructor). */
export function markInvertible(obj: object): void {
  Object.defineProperty(obj, INVERTIBLE_BRAND, { value: true, enumerable: false });
}

/**
 * Records an operation on the image's trace (MONAI `push_transform`). `origSize` is the spatial
 * shape before the operation.
 */
export function pushOperation(
  img: MetaImage,
  className: string,
  origSize: readonly number[],
  extraInfo: Record<string, unknown> = {},
  doTransforms = true,
): AppliedOperation {
  const op: AppliedOperation = {
    class: className,
    tracing: true,
    do_transforms: doTransforms,
    orig_size: [...origSize],
    lazy: false,
    extra_info: extraInfo,
  };
  img.appliedOperations = [...img.appliedOperations, op];
  return op;
}

/**
 * Removes and returns the last operation, checking it was recorded by `className`
 * (MONAI `pop_transform`). Throws a TransformError when the trace does not match.
 */
export function popOperation(img: MetaImage, className: string, key?: string): AppliedOperation {
  const last = img.appliedOperations[img.appliedOperations.length - 1];
  if (!last)
    throw new TransformError(className, key, 'cannot invert: the image has no applied operations to undo');
  if (last.class !== className)
    throw new TransformError(
      className,
      key,
      `cannot invert: the last applied operation is ${last.class}, not ${className} (invert in reverse order)`,
    );
  img.appliedOperations = img.appliedOperations.slice(0, -1);
  return last;
}

/**
 * Trace helpers shared by the random transforms: MONAI's `push_transform(data, replace=True)`, which
 * wraps the operation an inner transform just recorded into one recorded under the outer class (so
 * `RandFlipd` records `{class: 'RandFlipd', extra_info: {class: 'Flip', ...}}`), and its inverse.
 */
import type { AppliedOperation, MetaImage } from '../src/image/meta-image.js';
import { popOperation, pushOperation } from './invertible.js';

/**
 * MONAI's `push_transform(img, replace=True)` on an image the caller owns (mutates its trace): when
 * `doTransform`, the last operation is removed and recorded again as the `extra_info` of a new
 * `className` operation with the same `orig_size`; otherwise a `className` operation with
 * `do_transforms: false` and empty `extra_info` is added.
 */
export function replaceLastOperation(
  img: MetaImage,
  className: string,
  doTransform = true,
): AppliedOperation {
  if (!doTransform) return pushOperation(img, className, img.spatialShape, {}, false);
  const last = img.appliedOperations[img.appliedOperations.length - 1];
  if (!last) return pushOperation(img, className, img.spatialShape, {}, true);
  img.appliedOperations = img.appliedOperations.slice(0, -1);
  return pushOperation(img, className, last.orig_size, { ...last }, true);
}

/**
 * Undoes {@link replaceLastOperation}: pops the `className` operation (checking the class) and, when
 * it wrapped an inner operation, puts that inner operation back on the trace so the inner transform's
 * inverse can pop it (MONAI: `d[key].applied_operations.append(xform[EXTRA_INFO])`). Returns the popped
 * operation and the image (a shallow copy; the data array is shared).
 */
export function unwrapLastOperation(
  img: MetaImage,
  className: string,
  key?: string,
): { img: MetaImage; op: AppliedOperation; inner: AppliedOperation | null } {
  const out = img.shallowClone();
  const op = popOperation(out, className, key);
  const info = op.extra_info as Partial<AppliedOperation>;
  const inner =
    op.do_transforms !== false && typeof info.class === 'string' ? (info as AppliedOperation) : null;
  if (inner) out.appliedOperations = [...out.appliedOperations, inner];
  return { img: out, op, inner };
}

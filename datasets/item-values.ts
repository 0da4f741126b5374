/**
 * Walking data items: deep copies (for `copyCache`), byte sizes (for byte-bounded caches) and moving
 * image arrays into shared memory (so worker threads read cached items without copying).
 */
import type { NumericArray } from '../src/image/dtype.js';
import { MetaImage, pendingRegion } from '../src/image/meta-image.js';
import { stridedCopy } from '../src/image/strided.js';

/** True for `{}`-style objects (not class instances, arrays or typed arrays). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v) as unknown;
  return p === Object.prototype || p === null;
}

/** True if a typed array lives in a SharedArrayBuffer. */
export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/**
 * A deep copy of an item: MetaImages are cloned (data copied into ordinary memory), typed arrays
 * copied, arrays and plain objects copied recursively; other values (strings, class instances) kept.
 */
export function deepCopyItem<T>(v: T): T {
  return copy(v) as T;
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (MetaImage.isMetaImage(v)) return v.clone();
  if (ArrayBuffer.isView(v)) return (v as unknown as NumericArray).slice();
  if (Array.isArray(v)) return v.map(copy);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = copy(x);
    return out;
  }
  return v;
}

/**
 * Approximate bytes held by an item: image arrays and affines, typed arrays, strings (2 bytes a
 * character) and a small constant per value. Used as lru-cache's `sizeCalculation`.
 */
export function itemByteLength(v: unknown): number {
  return size(v, new Set());
}

function size(v: unknown, seen: Set<object>): number {
  if (v === null || v === undefined) return 8;
  if (typeof v === 'string') return 16 + 2 * v.length;
  if (typeof v !== 'object') return 8;
  if (seen.has(v)) return 0;
  seen.add(v);
  if (MetaImage.isMetaImage(v))
    return v.byteLength + v.affine.byteLength + size(v.meta, seen) + size(v.appliedOperations, seen) + 64;
  if (ArrayBuffer.isView(v)) return v.byteLength + 32;
  let n = 32;
  if (Array.isArray(v)) for (const x of v) n += size(x, seen);
  else for (const [k, x] of Object.entries(v)) n += 16 + 2 * k.length + size(x, seen);
  return n;
}

/**
 * The item with every unread crop read now (its region copied out of its source), so that a cache
 * holds the crop's own bytes rather than a reference into the larger array it was cut from. The
 * item is changed in place and returned.
 */
export function ownedItem<T>(v: T): T {
  visitImages(v, (img) => {
    if (pendingRegion(img)) void img.data; // reading `data` copies the region
  });
  return v;
}

function visitImages(v: unknown, f: (img: MetaImage) => void): void {
  if (v === null || typeof v !== 'object') return;
  if (MetaImage.isMetaImage(v)) f(v);
  else if (Array.isArray(v)) for (const x of v) visitImages(x, f);
  else if (isPlainObject(v)) for (const x of Object.values(v)) visitImages(x, f);
}

/** A copy of `a` in a SharedArrayBuffer (or `a` itself if it already is shared). */
export function toSharedArray<A extends NumericArray>(a: A): A {
  if (isShared(a)) return a;
  const out = sharedArrayLike(a, a.length);
  out.set(a as never);
  return out;
}

/** A zero-filled array of `a`'s type and `length` elements in a new SharedArrayBuffer. */
function sharedArrayLike<A extends NumericArray>(a: A, length: number): A {
  const Ctor = a.constructor as new (b: SharedArrayBuffer, o: number, n: number) => A;
  return new Ctor(new SharedArrayBuffer(length * a.BYTES_PER_ELEMENT), 0, length);
}

/** An image's data in shared memory; an unread crop is copied there straight from its source. */
function sharedData(img: MetaImage): NumericArray {
  const r = pendingRegion(img);
  if (!r) return toSharedArray(img.data);
  const out = sharedArrayLike(r.src, img.size);
  stridedCopy(r.src, out, img.shape, r.strides, r.offset);
  return out;
}

/**
 * The item with every MetaImage's data moved to shared memory (new MetaImages; the input is left as
 * is). Worker threads then read these arrays in place.
 */
export function toSharedItem<T>(v: T): T {
  return share(v) as T;
}

function share(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (MetaImage.isMetaImage(v))
    return new MetaImage({
      data: sharedData(v),
      shape: v.shape,
      dtype: v.dtype,
      affine: v.affine,
      meta: v.meta,
      appliedOperations: v.appliedOperations,
    });
  if (Array.isArray(v)) return v.map(share);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = share(x);
    return out;
  }
  return v;
}

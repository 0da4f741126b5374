/**
 * How items cross between threads (`postMessage`). MetaImages lose their prototype in a structured
 * clone, so they travel as tagged plain objects and are rebuilt on arrival. Arrays in a
 * SharedArrayBuffer are shared (no copy); other image arrays are moved (transferred) when the
 * sender no longer needs them.
 */
import { MetaImage } from '../src/image/meta-image.js';
import { isPlainObject, isShared } from './item-values.js';

const TAG = '__cscMlopsMetaImage';

/** An encoded item and the buffers to transfer with it. */
export interface Encoded {
  value: unknown;
  transfer: ArrayBuffer[];
}

/**
 * Encodes an item for `postMessage`; with `transfer`, the image arrays' buffers are listed for
 * moving, except those in `keep` (still used by their owner).
 */
export function encodeItem(v: unknown, transfer = false, keep?: ReadonlySet<ArrayBuffer>): Encoded {
  const buffers = new Set<ArrayBuffer>();
  const value = enc(v, transfer ? buffers : undefined);
  if (keep) for (const b of keep) buffers.delete(b);
  return { value, transfer: [...buffers] };
}

/** The buffers of the image arrays in an item (see `encodeItem`'s `keep`). */
export function imageBuffers(v: unknown): Set<ArrayBuffer> {
  const buffers = new Set<ArrayBuffer>();
  enc(v, buffers);
  return buffers;
}

function enc(v: unknown, buffers: Set<ArrayBuffer> | undefined): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (MetaImage.isMetaImage(v)) {
    if (buffers && !isShared(v.data)) buffers.add(v.data.buffer as ArrayBuffer);
    return {
      [TAG]: 1,
      data: v.data,
      dtype: v.dtype,
      shape: v.shape,
      affine: v.affine,
      meta: enc(v.meta, undefined),
      appliedOperations: v.appliedOperations,
    };
  }
  if (Array.isArray(v)) return v.map((x) => enc(x, buffers));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = enc(x, buffers);
    return out;
  }
  return v;
}

/** Rebuilds MetaImages in a value received from another thread. */
export function decodeItem(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decodeItem);
  if (isPlainObject(v)) {
    if (v[TAG] === 1)
      return new MetaImage({
        data: v.data as never,
        shape: v.shape as number[],
        dtype: v.dtype as never,
        affine: v.affine as Float64Array,
        meta: decodeItem(v.meta) as Record<string, unknown>,
        appliedOperations: v.appliedOperations as never,
      });
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = decodeItem(x);
    return out;
  }
  return v;
}

/** A plain description of an error that survives `postMessage` (class name, message, stack, transform, key). */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  transform?: string;
  key?: string;
}

/** Encodes an error for another thread. */
export function encodeError(e: unknown): WireError {
  if (e instanceof Error) {
    const x = e as Error & { transform?: unknown; key?: unknown };
    return {
      name: e.name,
      message: e.message,
      stack: e.stack,
      transform: typeof x.transform === 'string' ? x.transform : undefined,
      key: typeof x.key === 'string' ? x.key : undefined,
    };
  }
  return { name: 'Error', message: typeof e === 'string' ? e : JSON.stringify(e) };
}

/** Rebuilds an Error (with the worker's class name and stack) from {@link encodeError}'s output. */
export function decodeError(w: WireError): Error {
  const e = new Error(w.message) as Error & { transform?: string; key?: string };
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  if (w.transform !== undefined) e.transform = w.transform;
  if (w.key !== undefined) e.key = w.key;
  return e;
}

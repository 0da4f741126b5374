/**
 * How items cross between threads (`postMessage`). MetaImages lose their prototype in a structured
 * clone, so they travel as tagged plain objects and are rebuilt on arrival. Arrays in a
 * SharedArrayBuffer are shared (no copy); other image arrays are moved (transferred) when the
 * sender no longer needs them.
 */
import { MetaImage } from '../src/image/meta-image.js';
import { isPlainObject, isShared } from './item-values.js';
import * as errorClasses from '../src/errors.js';

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

/**
 * A plain description of an error that survives `postMessage`: class name, message, stack, its own
 * primitive fields (`file`, `reason`, `transform`, `key`, `status`, `errorCode`, ...) and its cause.
 */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  fields?: Record<string, string | number | boolean | null>;
  cause?: WireError;
}

/** The package's typed error classes, rebuilt by name on the receiving thread so `instanceof` still works. */
const ERROR_CLASSES = new Map<string, { prototype: Error }>();
for (const [name, value] of Object.entries(errorClasses as Record<string, unknown>))
  if (typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof Error)
    ERROR_CLASSES.set(name, value as { prototype: Error });

/** Encodes an error for another thread (causes up to 4 deep). */
export function encodeError(e: unknown, depth = 0): WireError {
  if (e instanceof Error) {
    const fields: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(e))
      if (
        k !== 'name' &&
        k !== 'message' &&
        k !== 'stack' &&
        (v === null || ['string', 'number', 'boolean'].includes(typeof v))
      )
        fields[k] = v as string | number | boolean | null;
    const w: WireError = { name: e.name, message: e.message, fields };
    if (e.stack !== undefined) w.stack = e.stack;
    if (e.cause !== undefined && depth < 4) w.cause = encodeError(e.cause, depth + 1);
    return w;
  }
  return { name: 'Error', message: typeof e === 'string' ? e : JSON.stringify(e) };
}

/** Decodes {@link encodeError}'s description: one of our error classes by name, else a plain `Error`. */
export function decodeError(w: WireError): Error {
  const cls = ERROR_CLASSES.get(w.name);
  const e = (cls ? Object.create(cls.prototype) : new Error(w.message)) as Error & Record<string, unknown>;
  const own = (k: string, value: unknown) =>
    Object.defineProperty(e, k, { value, writable: true, configurable: true, enumerable: false });
  own('message', w.message);
  if (w.stack !== undefined) own('stack', w.stack);
  if (w.cause !== undefined) own('cause', decodeError(w.cause));
  e.name = w.name;
  for (const [k, v] of Object.entries(w.fields ?? {})) e[k] = v;
  return e;
}

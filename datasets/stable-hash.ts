import { createHash } from 'node:crypto';
import { MetaImage } from '../src/image/meta-image.js';

/**
 * A canonical JSON text of a value: object keys sorted, typed arrays and MetaImages by a hash of
 * their bytes, functions by their source, non-finite numbers spelled out. Equal items give equal text
 * whatever their key order (MONAI sorts dict keys before pickling for the same reason).
 */
export function stableStringify(v: unknown): string {
  return JSON.stringify(canon(v, new Set()));
}

function bytesHash(a: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

function canon(v: unknown, seen: Set<object>): unknown {
  if (v === undefined) return { $: 'undefined' };
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $: 'number', v: String(v) };
  if (typeof v === 'bigint') return { $: 'bigint', v: v.toString() };
  if (typeof v === 'function') return { $: 'function', v: v.toString() };
  if (typeof v === 'symbol') return { $: 'symbol', v: v.toString() };
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return { $: 'cycle' };
  seen.add(v);
  try {
    if (MetaImage.isMetaImage(v))
      return {
        $: 'MetaImage',
        dtype: v.dtype,
        shape: v.shape,
        data: bytesHash(v.data),
        affine: Array.from(v.affine),
        meta: canon(v.meta, seen),
      };
    if (ArrayBuffer.isView(v)) return { $: v.constructor.name, bytes: bytesHash(v) };
    if (Array.isArray(v)) return v.map((x) => canon(x, seen));
    if (v instanceof Date) return { $: 'date', v: v.toISOString() };
    if (v instanceof Map)
      return { $: 'map', v: [...v.entries()].map(([k, x]) => [canon(k, seen), canon(x, seen)]) };
    if (v instanceof Set) return { $: 'set', v: [...v.values()].map((x) => canon(x, seen)) };
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canon((v as Record<string, unknown>)[k], seen);
    return out;
  } finally {
    seen.delete(v);
  }
}

/** SHA-256 (hex) of {@link stableStringify}: the default `hashFunc` of the caching datasets. */
export function hashItem(v: unknown): string {
  return createHash('sha256').update(stableStringify(v)).digest('hex');
}

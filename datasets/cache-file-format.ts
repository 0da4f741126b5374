/**
 * The persistent cache file format, version 1 (`<key>.cmc`, "csc-mlops cache").
 *
 * ```
 * offset  size  content
 * 0       8     magic: ASCII "CSCCACHE"
 * 8       4     format version, uint32 little-endian (1)
 * 12      4     H = header length in bytes, uint32 little-endian
 * 16      H     header: UTF-8 JSON (below)
 * …             zero padding to a multiple of 16
 * D       …     array section: each array's raw bytes, little-endian, at D + arrays[i].offset
 *               (offsets are multiples of 16)
 * end-32  32    SHA-256 of every byte before it (the checksum)
 * ```
 *
 * Header: `{ "format": "csc-mlops-cache", "version": 1, "key": <entry key>, "created": <ISO time>,
 * "arrays": [{ "type": "Float32Array", "offset": <bytes from D>, "length": <elements> }, …],
 * "item": <tree> }`. The tree is the cached item as JSON where
 * - a MetaImage is `{ "$": "MetaImage", "dtype", "shape", "data": <array ref>, "affine": <array ref>,
 *   "meta": <tree>, "appliedOperations": <tree> }` — dtype (including `bool`), the float64 affine,
 *   the meta (`spatial_shape`, `original_affine`, `filename_or_obj`, …) and the trace all survive;
 * - a typed array is `{ "$": "array", "i": <index into arrays> }`;
 * - `undefined`, NaN/±Infinity, bigint and Date are `{ "$": "undefined" }`, `{ "$": "number", "v": "NaN" }`,
 *   `{ "$": "bigint", "v": "…" }`, `{ "$": "date", "v": "…" }`; a plain object that itself has a `"$"`
 *   key is wrapped as `{ "$": "object", "v": {…} }`; arrays and other plain objects are JSON as is.
 *
 * Readers reject (and the dataset rebuilds) a file with another magic, a newer version, a bad size or
 * a checksum mismatch. Entries are written to a temporary name in the same folder and renamed into
 * place, so a reader never sees a partial entry; after a power loss a torn file fails the checksum.
 */
import { createHash } from 'node:crypto';
import type { DType, NumericArray } from '../src/image/dtype.js';
import { DatasetError } from '../src/errors.js';
import { MetaImage } from '../src/image/meta-image.js';
import { isPlainObject } from './item-values.js';

/** The 8 magic bytes: ASCII `CSCCACHE`. */
export const CACHE_MAGIC = 'CSCCACHE';
/** The version this code writes and the newest it reads. */
export const CACHE_FORMAT_VERSION = 1;
/** File name suffix of cache entries. */
export const CACHE_FILE_SUFFIX = '.cmc';

const ALIGN = 16;
const CHECKSUM_BYTES = 32;

/** A cache file that cannot be used (the dataset deletes and rebuilds it). */
export class CacheFormatError extends DatasetError {}

const CTORS: Record<string, new (b: ArrayBufferLike, o: number, n: number) => NumericArray> = {
  Float32Array,
  Float64Array,
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
};

interface ArrayEntry {
  type: string;
  offset: number;
  length: number;
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Serialises an item: returns the file's bytes as chunks (written one after the other). */
export function encodeCacheEntry(item: unknown, key: string): Uint8Array[] {
  const arrays: NumericArray[] = [];
  const entries: ArrayEntry[] = [];
  let dataBytes = 0;
  const ref = (a: NumericArray): unknown => {
    const type = a.constructor.name;
    if (!(type in CTORS)) throw new DatasetError(`cannot store a ${type} in the persistent cache`);
    entries.push({ type, offset: dataBytes, length: a.length });
    arrays.push(a);
    dataBytes = align(dataBytes + a.byteLength);
    return { $: 'array', i: arrays.length - 1 };
  };
  const tree = (v: unknown, path: string): unknown => {
    if (v === undefined) return { $: 'undefined' };
    if (typeof v === 'number') return Number.isFinite(v) ? v : { $: 'number', v: String(v) };
    if (typeof v === 'bigint') return { $: 'bigint', v: v.toString() };
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v !== 'object')
      throw new DatasetError(
        `cannot store a ${typeof v} in the persistent cache (at ${path}); only data can be cached`,
      );
    if (MetaImage.isMetaImage(v))
      return {
        $: 'MetaImage',
        dtype: v.dtype,
        shape: v.shape,
        data: ref(v.data),
        affine: ref(v.affine),
        meta: tree(v.meta, `${path}.meta`),
        appliedOperations: tree(v.appliedOperations, `${path}.appliedOperations`),
      };
    if (ArrayBuffer.isView(v)) return ref(v as unknown as NumericArray);
    if (Array.isArray(v)) return v.map((x, i) => tree(x, `${path}[${i}]`));
    if (v instanceof Date) return { $: 'date', v: v.toISOString() };
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = tree(x, `${path}.${k}`);
      return '$' in v ? { $: 'object', v: out } : out;
    }
    throw new DatasetError(
      `cannot store a ${(v as object).constructor?.name ?? 'object'} in the persistent cache (at ${path}); only data can be cached`,
    );
  };
  const header = {
    format: 'csc-mlops-cache',
    version: CACHE_FORMAT_VERSION,
    key,
    created: new Date().toISOString(),
    arrays: entries,
    item: tree(item, 'item'),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headStart = 16;
  const dataStart = align(headStart + json.length);
  const head = new Uint8Array(dataStart);
  head.set(new TextEncoder().encode(CACHE_MAGIC), 0);
  const dv = new DataView(head.buffer);
  dv.setUint32(8, CACHE_FORMAT_VERSION, true);
  dv.setUint32(12, json.length, true);
  head.set(json, headStart);
  const chunks: Uint8Array[] = [head];
  let written = 0;
  arrays.forEach((a, i) => {
    const e = entries[i] as ArrayEntry;
    if (e.offset > written) chunks.push(new Uint8Array(e.offset - written));
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    written = e.offset + a.byteLength;
  });
  if (dataBytes > written) chunks.push(new Uint8Array(dataBytes - written));
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  chunks.push(new Uint8Array(hash.digest()));
  return chunks;
}

/** Reads a cache file; throws CacheFormatError (with the reason) if it cannot be used. */
export function decodeCacheEntry(
  bytes: Uint8Array,
  expectedKey?: string,
): { item: unknown; key: string; created: string } {
  if (bytes.length < 16 + CHECKSUM_BYTES)
    throw new CacheFormatError(`file too short (${bytes.length} bytes)`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== CACHE_MAGIC) throw new CacheFormatError('not a csc-mlops cache file (bad magic)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version > CACHE_FORMAT_VERSION || version < 1)
    throw new CacheFormatError(
      `format version ${version} is not supported (this version reads 1..${CACHE_FORMAT_VERSION})`,
    );
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  const digest = createHash('sha256').update(body).digest();
  const stored = bytes.subarray(bytes.length - CHECKSUM_BYTES);
  if (!digest.equals(stored)) throw new CacheFormatError('checksum mismatch (corrupt or truncated file)');
  const h = dv.getUint32(12, true);
  if (16 + h > body.length) throw new CacheFormatError('header runs past the end of the file');
  let header: { key?: unknown; created?: unknown; arrays?: ArrayEntry[]; item?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + h))) as typeof header;
  } catch (e) {
    throw new CacheFormatError(`unreadable header (${(e as Error).message})`);
  }
  const key = String(header.key);
  if (expectedKey !== undefined && key !== expectedKey)
    throw new CacheFormatError(`entry is for key ${key}, not ${expectedKey}`);
  const dataStart = align(16 + h);
  const arrays = (header.arrays ?? []).map((e, i) => {
    const Ctor = CTORS[e.type];
    if (!Ctor) throw new CacheFormatError(`array ${i} has unknown type ${e.type}`);
    const per = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const start = dataStart + e.offset;
    if (start + e.length * per > body.length)
      throw new CacheFormatError(`array ${i} runs past the end of the file`);
    const abs = bytes.byteOffset + start;
    if (abs % per === 0) return new Ctor(bytes.buffer, abs, e.length);
    const copy = new Uint8Array(bytes.subarray(start, start + e.length * per));
    return new Ctor(copy.buffer, 0, e.length);
  });
  const untree = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(untree);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    switch (o.$) {
      case undefined:
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, untree(x)]));
      case 'object':
        return Object.fromEntries(Object.entries(o.v as object).map(([k, x]) => [k, untree(x)]));
      case 'undefined':
        return undefined;
      case 'number':
        return Number(o.v);
      case 'bigint':
        return BigInt(o.v as string);
      case 'date':
        return new Date(o.v as string);
      case 'array': {
        const a = arrays[o.i as number];
        if (!a) throw new CacheFormatError(`reference to missing array ${String(o.i)}`);
        return a;
      }
      case 'MetaImage':
        try {
          return new MetaImage({
            data: untree(o.data) as NumericArray,
            shape: o.shape as number[],
            dtype: o.dtype as DType,
            affine: untree(o.affine) as Float64Array,
            meta: untree(o.meta) as Record<string, unknown>,
            appliedOperations: untree(o.appliedOperations) as never,
          });
        } catch (e) {
          if (e instanceof CacheFormatError) throw e;
          throw new CacheFormatError(`inconsistent image (${(e as Error).message})`);
        }
      default:
        throw new CacheFormatError(`unknown value tag ${String(o.$)}`);
    }
  };
  return { item: untree(header.item), key, created: String(header.created) };
}

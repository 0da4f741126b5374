import { readFile, rename, writeFile } from 'node:fs/promises';
import { ImageReadError, UnsupportedFormatError, describeError } from '../errors.js';
import { type DType, type NumericArray, allocArray } from '../image/dtype.js';
import { MetaImage, shapeSize } from '../image/meta-image.js';
import type { ImageReader, ReadOptions } from './image-reader.js';

/** An array read from a `.npy` file, C order. */
export interface NpyArray {
  data: NumericArray;
  shape: number[];
  dtype: DType;
}

const DESCR: Record<string, DType> = {
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  b1: 'bool',
};
const DESCR_OF: Record<DType, string> = {
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  bool: '|b1',
};

/**
 * Parses `.npy` bytes (format v1–v3; little or big endian; C or Fortran order; int64/uint64 become
 * float64). Throws a plain Error with the reason.
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || bytes[0] !== 0x93 || new TextDecoder().decode(bytes.subarray(1, 6)) !== 'NUMPY')
    throw new Error('not a .npy file (bad magic)');
  const major = bytes[6] as number;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > bytes.length)
    throw new Error(
      `truncated: the header declares ${hlen} bytes but the file has ${bytes.length - hstart} after the preamble`,
    );
  const header = new TextDecoder('latin1').decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`malformed .npy header: ${header.trim()}`);
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bad = dims.find((s) => !/^\d+$/.test(s) || !Number.isSafeInteger(Number(s)));
  if (bad !== undefined)
    throw new Error(
      `malformed .npy header: shape (${shapeText}) has the entry ${bad}, not a non-negative integer`,
    );
  const shape = dims.map(Number);
  const order = descr[0] as string;
  const code = descr.slice(1);
  const big = order === '>';
  const wide = code === 'i8' || code === 'u8';
  const dtype = wide ? 'float64' : DESCR[code];
  if (!dtype) throw new Error(`unsupported .npy dtype '${descr}'`);
  const count = shapeSize(shape);
  const bpe = wide ? 8 : Number(code.slice(1));
  const off = hstart + hlen;
  if (bytes.length - off < count * bpe)
    throw new Error(`truncated: ${count} × ${bpe} bytes of data expected, ${bytes.length - off} present`);
  const raw = new Uint8Array(count * bpe);
  raw.set(bytes.subarray(off, off + count * bpe));
  if (big && bpe > 1) for (let i = 0; i < count; i++) raw.subarray(i * bpe, (i + 1) * bpe).reverse();
  let data: NumericArray;
  if (wide) {
    const src = code === 'i8' ? new BigInt64Array(raw.buffer) : new BigUint64Array(raw.buffer);
    data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = Number(src[i]);
  } else {
    data = allocArray(dtype, 0);
    const Ctor = data.constructor as new (b: ArrayBuffer) => NumericArray;
    data = new Ctor(raw.buffer);
  }
  if (fortran && shape.length > 1) {
    const out = allocArray(dtype, count);
    const n = shape.length;
    const cs = new Array<number>(n).fill(1);
    for (let k = n - 2; k >= 0; k--) cs[k] = (cs[k + 1] as number) * (shape[k + 1] as number);
    const idx = new Array<number>(n).fill(0);
    for (let L = 0; L < count; L++) {
      let p = 0;
      for (let k = 0; k < n; k++) p += (idx[k] as number) * (cs[k] as number);
      out[p] = data[L] as number;
      for (let k = 0; k < n; k++) {
        if (((idx[k] as number) += 1) < (shape[k] as number)) break;
        idx[k] = 0;
      }
    }
    data = out;
  }
  return { data, shape, dtype };
}

/** Reads a `.npy` file. Errors name the file. */
export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageReadError(file, code === 'ENOENT' ? 'file does not exist' : describeError(e), {
      cause: e,
    });
  }
  try {
    return parseNpy(bytes);
  } catch (e) {
    throw new ImageReadError(file, describeError(e), { cause: e });
  }
}

/** Encodes an array as `.npy` v1.0 bytes (little endian, C order). */
export function encodeNpy(data: NumericArray, shape: readonly number[], dtype: DType): Uint8Array {
  if (shapeSize(shape) !== data.length)
    throw new RangeError(`shape [${shape.join(', ')}] does not match ${data.length} elements`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Writes a `.npy` file atomically (temporary name, then rename). */
export async function writeNpy(
  file: string,
  data: NumericArray,
  shape: readonly number[],
  dtype: DType,
): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, encodeNpy(data, shape, dtype));
  await rename(tmp, file);
}

/** Options of {@link NumpyReader}. */
export interface NumpyReadOptions extends ReadOptions {
  dtype?: DType | null;
  /** Axis holding channels, if any (MONAI `channel_dim`). */
  channelDim?: number | 'no_channel' | null;
}

/**
 * MONAI's NumpyReader for `.npy`: identity affine, `spatial_shape` = the shape without the channel
 * axis, `original_channel_dim` from `channelDim` (default `'no_channel'`).
 */
export const NumpyReader: ImageReader = {
  name: 'NumpyReader',
  verifySuffix(path: string): boolean {
    return /\.npy$/i.test(path);
  },
  async read(path: string | readonly string[], options: NumpyReadOptions = {}): Promise<MetaImage> {
    const files = typeof path === 'string' ? [path] : [...path];
    if (files.length !== 1)
      throw new UnsupportedFormatError(
        'NumpyReader reads one .npy file at a time; pass the files to LoadImage to stack them',
      );
    const file = files[0] as string;
    const arr = await readNpy(file);
    const dtype = options.dtype === undefined ? 'float32' : (options.dtype ?? arr.dtype);
    const data = dtype === arr.dtype ? arr.data : allocArray(dtype, arr.data.length);
    if (data !== arr.data) data.set(arr.data);
    const cd = options.channelDim ?? 'no_channel';
    const spatial =
      cd === 'no_channel'
        ? arr.shape
        : arr.shape.filter((_, i) => i !== (cd < 0 ? arr.shape.length + cd : cd));
    return new MetaImage({
      data,
      shape: arr.shape,
      dtype,
      meta: { spatial_shape: spatial, original_channel_dim: cd, space: 'RAS', filename_or_obj: file },
    });
  },
};

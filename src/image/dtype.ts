/**
 * Data types of image arrays, with numpy's names. `bool` is stored as a Uint8Array of 0/1.
 * 64-bit integers have no exact JavaScript typed array that kernels can use; readers that meet
 * them produce `float64` (exact up to 2^53) and say so in the docs.
 */
export type DType =
  'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'bool';

/** A typed array that can hold image data. */
export type NumericArray =
  Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

type Ctor = new (length: number) => NumericArray;

const CTORS: Record<DType, Ctor> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array,
};

/** Every supported dtype name. */
export const DTYPES: readonly DType[] = Object.keys(CTORS) as DType[];

/** Bytes per element of a dtype. */
export function dtypeSize(dtype: DType): number {
  return new CTORS[dtype](0).BYTES_PER_ELEMENT;
}

/** True for the floating-point dtypes. */
export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Allocates a zero-filled array of `dtype`. */
export function allocArray(dtype: DType, length: number): NumericArray {
  return new CTORS[dtype](length);
}

/** The dtype of a typed array (a Uint8Array is `uint8`; pass `bool` explicitly where meant). */
export function dtypeOf(data: NumericArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  return 'uint32';
}

/** Checks that `data` is the typed array `dtype` uses. */
export function matchesDType(data: NumericArray, dtype: DType): boolean {
  return data instanceof CTORS[dtype] && (dtype !== 'uint8' || !(data instanceof Uint8ClampedArray));
}

/**
 * Parses a dtype written as numpy, torch or MONAI users write it: `'float32'`, `'np.float32'`,
 * `'torch.float32'`, `'<f4'`, `'float'` (float64 as numpy), `'int'` (int64 → not supported).
 */
export function parseDType(name: string): DType {
  const n = name.replace(/^(np|numpy|torch)\./, '').replace(/^[<>=|]/, '');
  const aliases: Record<string, DType> = {
    f4: 'float32',
    f8: 'float64',
    float: 'float64',
    double: 'float64',
    half: 'float32',
    i1: 'int8',
    u1: 'uint8',
    i2: 'int16',
    u2: 'uint16',
    i4: 'int32',
    u4: 'uint32',
    b1: 'bool',
    bool_: 'bool',
    short: 'int16',
    int: 'int32',
  };
  const d = (aliases[n] ?? n) as DType;
  if (!(d in CTORS))
    throw new RangeError(`unknown or unsupported dtype '${name}' (supported: ${DTYPES.join(', ')})`);
  return d;
}

/**
 * Casts `data` to `dtype` as numpy's `astype` does for in-range values: floats to integers truncate
 * toward zero, NaN becomes 0, out-of-range values wrap (as numpy does on common platforms),
 * `bool` is `x != 0`. Returns `data` itself when it already has that dtype and `copy` is false.
 */
export function castArray(data: NumericArray, dtype: DType, copy = false): NumericArray {
  const src = dtypeOf(data);
  if (src === dtype || (dtype === 'bool' && data instanceof Uint8Array && !hasNonBinary(data))) {
    return copy ? data.slice() : data;
  }
  const out = allocArray(dtype, data.length);
  if (dtype === 'bool') {
    for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0 ? 1 : 0;
  } else if (isFloatDType(dtype) || !isFloatDType(src)) {
    out.set(data);
  } else {
    // float → int: typed arrays truncate toward zero and wrap modulo 2^n; NaN → 0.
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      out[i] = Number.isFinite(v) ? Math.trunc(v) : 0;
    }
  }
  return out;
}

function hasNonBinary(data: Uint8Array): boolean {
  for (let i = 0; i < data.length; i++) if ((data[i] as number) > 1) return true;
  return false;
}

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CscMlopsError, describeError } from '../../errors.js';
import { type AffineMatrix, at, voxelSizes } from '../../image/affine.js';
import { type DType, type NumericArray, allocArray } from '../../image/dtype.js';
import { NIFTI1_HEADER_SIZE } from './nifti-header.js';

const DATATYPE: Record<DType, { code: number; bitpix: number }> = {
  uint8: { code: 2, bitpix: 8 },
  bool: { code: 2, bitpix: 8 },
  int16: { code: 4, bitpix: 16 },
  int32: { code: 8, bitpix: 32 },
  float32: { code: 16, bitpix: 32 },
  float64: { code: 64, bitpix: 64 },
  int8: { code: 256, bitpix: 8 },
  uint16: { code: 512, bitpix: 16 },
  uint32: { code: 768, bitpix: 32 },
};

/** qform parameters (quaternion b, c, d, qfac and zooms) of a 3×3 rotation-zoom block (nifti1_io style). */
function quaternionOf(affine: AffineMatrix): {
  b: number;
  c: number;
  d: number;
  qfac: number;
  zooms: number[];
} {
  const zooms = voxelSizes(affine, 3).map((z) => (z === 0 ? 1 : z));
  const r = [0, 1, 2].map((i) => [0, 1, 2].map((j) => at(affine, i, j) / (zooms[j] as number)));
  const det =
    r[0]![0]! * (r[1]![1]! * r[2]![2]! - r[1]![2]! * r[2]![1]!) -
    r[0]![1]! * (r[1]![0]! * r[2]![2]! - r[1]![2]! * r[2]![0]!) +
    r[0]![2]! * (r[1]![0]! * r[2]![1]! - r[1]![1]! * r[2]![0]!);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (let i = 0; i < 3; i++) r[i]![2] = -r[i]![2]!;
  const [r11, r12, r13] = r[0]!;
  const [r21, r22, r23] = r[1]!;
  const [r31, r32, r33] = r[2]!;
  let a = r11! + r22! + r33! + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32! - r23!)) / a;
    c = (0.25 * (r13! - r31!)) / a;
    d = (0.25 * (r21! - r12!)) / a;
  } else {
    const xd = 1 + r11! - (r22! + r33!);
    const yd = 1 + r22! - (r11! + r33!);
    const zd = 1 + r33! - (r11! + r22!);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12! + r21!)) / b;
      d = (0.25 * (r13! + r31!)) / b;
      a = (0.25 * (r32! - r23!)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12! + r21!)) / c;
      d = (0.25 * (r23! + r32!)) / c;
      a = (0.25 * (r13! - r31!)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13! + r31!)) / d;
      c = (0.25 * (r23! + r32!)) / d;
      a = (0.25 * (r21! - r12!)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac, zooms };
}

/**
 * Encodes a NIfTI-1 file (`n+1`, little endian) from a C-order array of `shape` (spatial axes first,
 * extra axes after, as nibabel holds it). The affine goes into the sform (code 2, "aligned") and
 * the qform fields (code 0), as nibabel writes a new image.
 */
export function encodeNifti1(
  data: NumericArray,
  shape: readonly number[],
  dtype: DType,
  affine: AffineMatrix,
): Uint8Array {
  if (shape.length < 1 || shape.length > 7)
    throw new CscMlopsError(`NIfTI holds 1 to 7 dimensions, got shape [${shape.join(', ')}]`);
  const { code, bitpix } = DATATYPE[dtype];
  const voxOffset = 352;
  const bpe = bitpix / 8;
  const out = new Uint8Array(voxOffset + data.length * bpe);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, NIFTI1_HEADER_SIZE, true);
  dv.setInt16(40, shape.length, true);
  shape.forEach((s, i) => dv.setInt16(42 + 2 * i, s, true));
  for (let i = shape.length; i < 7; i++) dv.setInt16(42 + 2 * i, 1, true);
  dv.setInt16(70, code, true);
  dv.setInt16(72, bitpix, true);
  const q = quaternionOf(affine);
  dv.setFloat32(76, q.qfac, true);
  for (let i = 0; i < 7; i++) dv.setFloat32(80 + 4 * i, i < 3 ? (q.zooms[i] as number) : 1, true);
  dv.setFloat32(108, voxOffset, true);
  dv.setFloat32(112, 1, true); // scl_slope
  dv.setFloat32(116, 0, true);
  out[123] = 2 | 8; // mm, sec
  out.set(new TextEncoder().encode('csc-mlops'), 148);
  dv.setInt16(252, 0, true); // qform_code unknown
  dv.setInt16(254, 2, true); // sform_code aligned
  dv.setFloat32(256, q.b, true);
  dv.setFloat32(260, q.c, true);
  dv.setFloat32(264, q.d, true);
  dv.setFloat32(268, at(affine, 0, 3), true);
  dv.setFloat32(272, at(affine, 1, 3), true);
  dv.setFloat32(276, at(affine, 2, 3), true);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, at(affine, r, c), true);
  out.set(new TextEncoder().encode('n+1\0'), 344);
  // C order → Fortran order on disk
  const n = shape.length;
  const cs = new Array<number>(n).fill(1);
  for (let k = n - 2; k >= 0; k--) cs[k] = (cs[k + 1] as number) * (shape[k + 1] as number);
  const fort = allocArray(dtype, data.length);
  const idx = new Array<number>(n).fill(0);
  for (let L = 0; L < data.length; L++) {
    let p = 0;
    for (let k = 0; k < n; k++) p += (idx[k] as number) * (cs[k] as number);
    fort[L] = data[p] as number;
    for (let k = 0; k < n; k++) {
      const next = (idx[k] as number) + 1;
      if (next < (shape[k] as number)) {
        idx[k] = next;
        break;
      }
      idx[k] = 0;
    }
  }
  out.set(new Uint8Array(fort.buffer, fort.byteOffset, fort.byteLength), voxOffset);
  return out;
}

/**
 * Writes a NIfTI-1 file (`.nii`, or gzip-compressed when the name ends in `.gz`) atomically: to a
 * temporary name in the same folder, then renamed. Nothing is left behind on failure.
 */
export async function writeNifti(
  file: string,
  data: NumericArray,
  shape: readonly number[],
  dtype: DType,
  affine: AffineMatrix,
): Promise<void> {
  const bytes = encodeNifti1(data, shape, dtype, affine);
  const payload = file.endsWith('.gz') ? gzipSync(bytes, { level: 6 }) : bytes;
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, payload);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new CscMlopsError(`cannot write ${file}: ${describeError(e)}`, { cause: e });
  }
}

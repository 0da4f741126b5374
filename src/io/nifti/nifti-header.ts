import { allClose } from '../../image/all-close.js';
import { type AffineMatrix, identityAffine, voxelSizes } from '../../image/affine.js';

/** NIfTI datatype codes and their element layout. */
export const NIFTI_DATATYPES: Record<number, { name: string; bytes: number; components?: number }> = {
  1: { name: 'binary', bytes: 0 },
  2: { name: 'uint8', bytes: 1 },
  4: { name: 'int16', bytes: 2 },
  8: { name: 'int32', bytes: 4 },
  16: { name: 'float32', bytes: 4 },
  32: { name: 'complex64', bytes: 8 },
  64: { name: 'float64', bytes: 8 },
  128: { name: 'rgb24', bytes: 1, components: 3 },
  256: { name: 'int8', bytes: 1 },
  512: { name: 'uint16', bytes: 2 },
  768: { name: 'uint32', bytes: 4 },
  1024: { name: 'int64', bytes: 8 },
  1280: { name: 'uint64', bytes: 8 },
  1536: { name: 'float128', bytes: 16 },
  1792: { name: 'complex128', bytes: 16 },
  2048: { name: 'complex256', bytes: 32 },
  2304: { name: 'rgba32', bytes: 1, components: 4 },
};

/**
 * A parsed NIfTI-1 or NIfTI-2 header, with nibabel's field names. Numbers are as stored
 * (float32 fields of NIfTI-1 widened to float64 exactly).
 */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  sizeof_hdr: number;
  dim_info: number;
  dim: number[];
  intent_p1: number;
  intent_p2: number;
  intent_p3: number;
  intent_code: number;
  datatype: number;
  bitpix: number;
  slice_start: number;
  pixdim: number[];
  vox_offset: number;
  scl_slope: number;
  scl_inter: number;
  slice_end: number;
  slice_code: number;
  xyzt_units: number;
  cal_max: number;
  cal_min: number;
  slice_duration: number;
  toffset: number;
  descrip: string;
  aux_file: string;
  qform_code: number;
  sform_code: number;
  quatern_b: number;
  quatern_c: number;
  quatern_d: number;
  qoffset_x: number;
  qoffset_y: number;
  qoffset_z: number;
  srow_x: number[];
  srow_y: number[];
  srow_z: number[];
  intent_name: string;
  magic: string;
}

/** Size in bytes of a NIfTI-1 / NIfTI-2 header. */
export const NIFTI1_HEADER_SIZE = 348;
export const NIFTI2_HEADER_SIZE = 540;

/**
 * Detects the NIfTI version and byte order from the first 4 bytes, or returns null if they are
 * not a NIfTI header.
 */
export function sniffNifti(buf: Uint8Array): { version: 1 | 2; littleEndian: boolean } | null {
  if (buf.length < 4) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, 4);
  for (const le of [true, false]) {
    const n = dv.getInt32(0, le);
    if (n === NIFTI1_HEADER_SIZE) return { version: 1, littleEndian: le };
    if (n === NIFTI2_HEADER_SIZE) return { version: 2, littleEndian: le };
  }
  return null;
}

function str(buf: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && buf[end] !== 0) end++;
  return new TextDecoder('latin1').decode(buf.subarray(off, end));
}

/**
 * Parses a header. Throws a plain Error with the reason (the reader wraps it with the file name).
 */
export function parseNiftiHeader(buf: Uint8Array): NiftiHeader {
  const sniff = sniffNifti(buf);
  if (!sniff) throw new Error('not a NIfTI file (sizeof_hdr is neither 348 nor 540)');
  const { version, littleEndian: le } = sniff;
  const need = version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  if (buf.length < need) throw new Error(`truncated header (${buf.length} of ${need} bytes)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, need);
  const i16 = (o: number) => dv.getInt16(o, le);
  const i32 = (o: number) => dv.getInt32(o, le);
  const i64 = (o: number) => Number(dv.getBigInt64(o, le));
  const f32 = (o: number) => dv.getFloat32(o, le);
  const f64 = (o: number) => dv.getFloat64(o, le);
  if (version === 1) {
    const magic = str(buf, 344, 4);
    if (magic !== 'n+1' && magic !== 'ni1')
      throw new Error(`bad NIfTI-1 magic '${magic}' (expected 'n+1' or 'ni1')`);
    return {
      version,
      littleEndian: le,
      sizeof_hdr: 348,
      dim_info: buf[39] as number,
      dim: Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k)),
      intent_p1: f32(56),
      intent_p2: f32(60),
      intent_p3: f32(64),
      intent_code: i16(68),
      datatype: i16(70),
      bitpix: i16(72),
      slice_start: i16(74),
      pixdim: Array.from({ length: 8 }, (_, k) => f32(76 + 4 * k)),
      vox_offset: f32(108),
      scl_slope: f32(112),
      scl_inter: f32(116),
      slice_end: i16(120),
      slice_code: buf[122] as number,
      xyzt_units: buf[123] as number,
      cal_max: f32(124),
      cal_min: f32(128),
      slice_duration: f32(132),
      toffset: f32(136),
      descrip: str(buf, 148, 80),
      aux_file: str(buf, 228, 24),
      qform_code: i16(252),
      sform_code: i16(254),
      quatern_b: f32(256),
      quatern_c: f32(260),
      quatern_d: f32(264),
      qoffset_x: f32(268),
      qoffset_y: f32(272),
      qoffset_z: f32(276),
      srow_x: [0, 1, 2, 3].map((k) => f32(280 + 4 * k)),
      srow_y: [0, 1, 2, 3].map((k) => f32(296 + 4 * k)),
      srow_z: [0, 1, 2, 3].map((k) => f32(312 + 4 * k)),
      intent_name: str(buf, 328, 16),
      magic,
    };
  }
  const magic = str(buf, 4, 8);
  if (magic !== 'n+2' && magic !== 'ni2')
    throw new Error(`bad NIfTI-2 magic '${magic}' (expected 'n+2' or 'ni2')`);
  return {
    version,
    littleEndian: le,
    sizeof_hdr: 540,
    datatype: i16(12),
    bitpix: i16(14),
    dim: Array.from({ length: 8 }, (_, k) => i64(16 + 8 * k)),
    intent_p1: f64(80),
    intent_p2: f64(88),
    intent_p3: f64(96),
    pixdim: Array.from({ length: 8 }, (_, k) => f64(104 + 8 * k)),
    vox_offset: i64(168),
    scl_slope: f64(176),
    scl_inter: f64(184),
    cal_max: f64(192),
    cal_min: f64(200),
    slice_duration: f64(208),
    toffset: f64(216),
    slice_start: i64(224),
    slice_end: i64(232),
    descrip: str(buf, 240, 80),
    aux_file: str(buf, 320, 24),
    qform_code: i32(344),
    sform_code: i32(348),
    quatern_b: f64(352),
    quatern_c: f64(360),
    quatern_d: f64(368),
    qoffset_x: f64(376),
    qoffset_y: f64(384),
    qoffset_z: f64(392),
    srow_x: [0, 1, 2, 3].map((k) => f64(400 + 8 * k)),
    srow_y: [0, 1, 2, 3].map((k) => f64(432 + 8 * k)),
    srow_z: [0, 1, 2, 3].map((k) => f64(464 + 8 * k)),
    slice_code: i32(496),
    xyzt_units: i32(500),
    intent_code: i32(504),
    intent_name: str(buf, 508, 16),
    dim_info: buf[524] as number,
    magic,
  };
}

/** Array shape stored in the header: `dim[1..dim[0]]`. */
export function headerShape(h: NiftiHeader): number[] {
  const n = h.dim[0] as number;
  if (!(n >= 1 && n <= 7)) throw new Error(`invalid dim[0] = ${n} (must be 1..7)`);
  const shape = h.dim.slice(1, n + 1);
  if (shape.some((s) => !(s >= 1))) throw new Error(`invalid dimensions [${shape.join(', ')}]`);
  return shape;
}

/** nibabel's `get_zooms()`: `pixdim[1..dim[0]]`. */
export function headerZooms(h: NiftiHeader): number[] {
  return h.pixdim.slice(1, (h.dim[0] as number) + 1);
}

/** The sform affine (`srow_x/y/z`). */
export function sformAffine(h: NiftiHeader): AffineMatrix {
  const a = identityAffine();
  [h.srow_x, h.srow_y, h.srow_z].forEach((row, r) => row.forEach((v, c) => (a[r * 4 + c] = v)));
  return a;
}

const F32_EPS = 2 ** -23;

/** nibabel's qform affine: quaternion rotation × diag(pixdim) with qfac, plus qoffsets. */
export function qformAffine(h: NiftiHeader): AffineMatrix {
  const b = h.quatern_b;
  const c = h.quatern_c;
  const d = h.quatern_d;
  // nibabel fillpositive: w = sqrt(1 - |bcd|²); the dot product is float32 for NIfTI-1 fields.
  const dot =
    h.version === 1
      ? Math.fround(Math.fround(Math.fround(b * b) + Math.fround(c * c)) + Math.fround(d * d))
      : b * b + c * c + d * d;
  const w2 = 1.0 - dot;
  let w: number;
  if (w2 < 0) {
    if (w2 < -3 * F32_EPS) throw new Error(`qform quaternion (${b}, ${c}, ${d}) has norm > 1`);
    w = 0;
  } else w = Math.sqrt(w2);
  const nq = w * w + b * b + c * c + d * d;
  const r = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  if (nq >= 2.220446049250313e-16) {
    const s = 2.0 / nq;
    const X = b * s;
    const Y = c * s;
    const Z = d * s;
    const wX = w * X;
    const wY = w * Y;
    const wZ = w * Z;
    const xX = b * X;
    const xY = b * Y;
    const xZ = b * Z;
    const yY = c * Y;
    const yZ = c * Z;
    const zZ = d * Z;
    r.splice(
      0,
      9,
      1.0 - (yY + zZ),
      xY - wZ,
      xZ + wY,
      xY + wZ,
      1.0 - (xX + zZ),
      yZ - wX,
      xZ - wY,
      yZ + wX,
      1.0 - (xX + yY),
    );
  }
  const vox = [h.pixdim[1] as number, h.pixdim[2] as number, h.pixdim[3] as number];
  const qfac = h.pixdim[0] === -1 ? -1 : 1;
  vox[2] = (vox[2] as number) * qfac;
  const a = identityAffine();
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) a[i * 4 + j] = (r[i * 3 + j] as number) * (vox[j] as number);
  a[3] = h.qoffset_x;
  a[7] = h.qoffset_y;
  a[11] = h.qoffset_z;
  return a;
}

/** nibabel's base affine: diag(−zx, zy, zz) with the origin at the volume centre. */
export function baseAffine(h: NiftiHeader): AffineMatrix {
  const n = h.dim[0] as number;
  const shape = [1, 1, 1];
  const zooms = [1, 1, 1];
  for (let k = 0; k < Math.min(3, n); k++) {
    shape[k] = h.dim[k + 1] as number;
    zooms[k] = h.pixdim[k + 1] as number;
  }
  zooms[0] = -(zooms[0] as number);
  const a = identityAffine();
  for (let k = 0; k < 3; k++) {
    a[k * 5] = zooms[k] as number;
    a[k * 4 + 3] = -(((shape[k] as number) - 1) / 2) * (zooms[k] as number);
  }
  return a;
}

/** nibabel `get_best_affine`: sform if sform_code > 0, else qform if qform_code > 0, else base. */
export function bestAffine(h: NiftiHeader): AffineMatrix {
  if (h.sform_code > 0) return sformAffine(h);
  if (h.qform_code > 0) return qformAffine(h);
  return baseAffine(h);
}

/**
 * MONAI's `correct_nifti_header_if_necessary` + `rectify_header_sform_qform`, then nibabel's best
 * affine. Returns the affine and the (possibly rewritten) pixdim, without touching `h`.
 */
export function monaiNiftiAffine(h: NiftiHeader): { affine: AffineMatrix; pixdim: number[] } {
  const d = h.dim[0] as number;
  const pixdim = [...h.pixdim];
  let affine = bestAffine(h);
  if (d >= 5) return { affine, pixdim };
  const zooms = headerZooms(h).slice(0, d);
  if (allClose(zooms, voxelSizes(affine, d))) return { affine, pixdim };
  const sform = sformAffine(h);
  const qform = qformAffine(h);
  const sformOk = allClose(voxelSizes(sform, d), zooms);
  const qformOk = allClose(voxelSizes(qform, d), zooms);
  if (h.sform_code !== 0) {
    if (sformOk) return { affine, pixdim };
    // set_sform(get_qform()): the sform (which wins) becomes the qform.
    if (qformOk) return { affine: qform, pixdim };
  }
  if (h.qform_code !== 0) {
    if (qformOk) return { affine, pixdim };
    if (sformOk) {
      // set_qform(get_sform()): best affine is unchanged when sform_code > 0; else the qform now holds the sform.
      affine = h.sform_code > 0 ? affine : sform;
      return { affine, pixdim };
    }
  }
  const norm = voxelSizes(affine, d);
  // set_zooms stores into the header's pixdim: float32 in NIfTI-1, float64 in NIfTI-2.
  for (let k = 0; k < norm.length; k++)
    pixdim[k + 1] = h.version === 1 ? Math.fround(norm[k] as number) : (norm[k] as number);
  return { affine, pixdim };
}

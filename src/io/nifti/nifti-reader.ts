import { readFile } from 'node:fs/promises';
import { ImageReadError, UnsupportedFormatError, describeError } from '../../errors.js';
import { type AffineMatrix, matmul } from '../../image/affine.js';
import { type DType, type NumericArray, allocArray } from '../../image/dtype.js';
import { MetaImage, type ImageMeta, shapeSize } from '../../image/meta-image.js';
import {
  applyOrientation,
  inverseOrientationAffine,
  isIdentityOrientation,
  ioOrientation,
} from '../../image/orientation.js';
import { stackImages } from '../../image/stack.js';
import type { ImageReader, ReadOptions } from '../image-reader.js';
import { readMaybeGzip, resolveMaxDecompressedBytes } from '../read-file.js';
import {
  NIFTI2_HEADER_SIZE,
  NIFTI_DATATYPES,
  type NiftiHeader,
  headerShape,
  monaiNiftiAffine,
  parseNiftiHeader,
} from './nifti-header.js';

/** Options of {@link NibabelReader} (MONAI's NibabelReader arguments, camelCase). */
export interface NiftiReadOptions extends ReadOptions {
  /** Output dtype; `null` keeps the stored type (float64 when scl_slope/scl_inter scale it). Default float32. */
  dtype?: DType | null;
  /** Reorient to the closest RAS+ orientation (nibabel `as_closest_canonical`). */
  asClosestCanonical?: boolean;
  /** Which axis of the stored array is the channel (overrides the default: none for ≤3D, last for 4D+). */
  channelDim?: number | 'no_channel' | null;
  /** Drop trailing non-spatial axes of size 1 (MONAI `squeeze_non_spatial_dims`). */
  squeezeNonSpatialDims?: boolean;
  /**
   * Ceiling on the voxel data one file may declare and inflate to, in bytes (default
   * `DEFAULT_MAX_DECOMPRESSED_BYTES`, 2 GiB). A `.nii.gz` is inflated only as far as its header
   * declares; a header declaring more than this is refused before anything is allocated.
   */
  maxDecompressedBytes?: number;
}

type RawView = { get: (i: number) => number; typed?: NumericArray };

/** Throws UnsupportedFormatError for datatypes we do not read (binary, complex, float128). */
function checkDatatype(datatype: number, file: string): { name: string; bytes: number; components?: number } {
  const info = NIFTI_DATATYPES[datatype];
  if (!info || info.bytes === 0 || ['complex64', 'complex128', 'complex256', 'float128'].includes(info.name))
    throw new UnsupportedFormatError(
      `NIfTI datatype ${datatype}${info ? ` (${info.name})` : ''} is not supported; convert the image to a real-valued type (e.g. float32)`,
      file,
    );
  return info;
}

function rawView(
  bytes: Uint8Array,
  datatype: number,
  littleEndian: boolean,
  count: number,
  file: string,
): RawView {
  const info = checkDatatype(datatype, file);
  const n = count * (info.components ?? 1);
  const bpe = info.bytes;
  const nativeLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  let buf: ArrayBuffer;
  let off = 0;
  if (bpe > 1 && littleEndian !== nativeLE) {
    const swapped = new Uint8Array(n * bpe);
    for (let i = 0; i < n; i++)
      for (let b = 0; b < bpe; b++) swapped[i * bpe + b] = bytes[i * bpe + (bpe - 1 - b)] as number;
    buf = swapped.buffer;
  } else if (bytes.byteOffset % bpe !== 0) {
    buf = bytes.slice(0, n * bpe).buffer;
  } else {
    buf = bytes.buffer as ArrayBuffer;
    off = bytes.byteOffset;
  }
  switch (info.name) {
    case 'uint8':
    case 'rgb24':
    case 'rgba32':
      return { get: () => 0, typed: new Uint8Array(buf, off, n) };
    case 'int8':
      return { get: () => 0, typed: new Int8Array(buf, off, n) };
    case 'int16':
      return { get: () => 0, typed: new Int16Array(buf, off, n) };
    case 'uint16':
      return { get: () => 0, typed: new Uint16Array(buf, off, n) };
    case 'int32':
      return { get: () => 0, typed: new Int32Array(buf, off, n) };
    case 'uint32':
      return { get: () => 0, typed: new Uint32Array(buf, off, n) };
    case 'float32':
      return { get: () => 0, typed: new Float32Array(buf, off, n) };
    case 'float64':
      return { get: () => 0, typed: new Float64Array(buf, off, n) };
    case 'int64': {
      const a = new BigInt64Array(buf, off, n);
      return { get: (i) => Number(a[i]) };
    }
    default: {
      const a = new BigUint64Array(buf, off, n);
      return { get: (i) => Number(a[i]) };
    }
  }
}

const NATIVE: Record<string, DType> = {
  uint8: 'uint8',
  rgb24: 'uint8',
  rgba32: 'uint8',
  int8: 'int8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  float32: 'float32',
  float64: 'float64',
  int64: 'float64',
  uint64: 'float64',
};

/** nibabel `get_slope_inter`: no scaling when the slope is 0 or not finite. */
function slopeInter(h: NiftiHeader, file: string): { slope: number; inter: number } | null {
  const slope = h.scl_slope;
  const inter = h.scl_inter;
  if (slope === 0 || !Number.isFinite(slope)) return null;
  if (!Number.isFinite(inter))
    throw new ImageReadError(file, `valid scl_slope ${slope} but invalid scl_inter ${inter}`);
  if (slope === 1 && inter === 0) return null;
  return { slope, inter };
}

/**
 * Converts the voxel bytes (Fortran order on disk) into a C-order array of `dtype` in one pass,
 * applying scaling. `components` > 1 (RGB) become a last axis. The transpose is tiled along the
 * last axis so that reads run as a few sequential streams and writes fill whole cache lines.
 */
function convertVoxels(
  bytes: Uint8Array,
  h: NiftiHeader,
  shape: number[],
  dtype: DType,
  scale: { slope: number; inter: number } | null,
  file: string,
): NumericArray {
  const count = shapeSize(shape);
  const comps = NIFTI_DATATYPES[h.datatype]?.components ?? 1;
  const raw = rawView(bytes, h.datatype, h.littleEndian, count, file);
  const out = allocArray(dtype, count * comps);
  const n = shape.length;
  const cs = new Array<number>(n).fill(comps); // C strides (elements of out)
  for (let k = n - 2; k >= 0; k--) cs[k] = (cs[k + 1] as number) * (shape[k + 1] as number);
  const ds = new Array<number>(n).fill(comps); // disk strides (elements of src)
  for (let k = 1; k < n; k++) ds[k] = (ds[k - 1] as number) * (shape[k - 1] as number);
  const src: NumericArray = raw.typed ?? new Float64Array(0);
  const get = raw.typed ? null : raw.get;
  const slope = scale?.slope ?? 1;
  const inter = scale?.inter ?? 0;
  const s0 = shape[0] as number;
  const nz = n > 1 ? (shape[n - 1] as number) : 1;
  const dz = n > 1 ? (ds[n - 1] as number) : 0;
  const cx = cs[0] as number;
  const dx = ds[0] as number;
  const midAxes = n > 2 ? shape.slice(1, n - 1) : [];
  const mid = shapeSize(midAxes);
  const B = 64;
  // one value per voxel copied as it is: four x at a time (four read streams share cache lines)
  const x4 = !get && !scale && comps === 1 ? s0 - (s0 % 4) : 0;
  const idx = new Array<number>(midAxes.length).fill(0);
  for (let zb = 0; zb < nz; zb += B) {
    const zn = Math.min(B, nz - zb);
    let cBase = 0;
    let dBase = 0;
    idx.fill(0);
    for (let m = 0; m < mid; m++) {
      for (let x = 0; x < x4; x += 4)
        copyFourColumns(out, src, x * cx + cBase + zb, x + dBase + zb * dz, zn, cx, dz);
      for (let x = x4; x < s0; x++) {
        for (let c = 0; c < comps; c++) {
          let p = x * cx + cBase + zb * comps + c;
          let q = x * dx + dBase + zb * dz + c;
          if (get) for (let z = 0; z < zn; z++, p += comps, q += dz) out[p] = get(q) * slope + inter;
          else if (scale)
            for (let z = 0; z < zn; z++, p += comps, q += dz) out[p] = (src[q] as number) * slope + inter;
          else for (let z = 0; z < zn; z++, p += comps, q += dz) out[p] = src[q] as number;
        }
      }
      for (let k = 0; k < idx.length; k++) {
        const next = (idx[k] as number) + 1;
        if (next < (midAxes[k] as number)) {
          idx[k] = next;
          cBase += cs[k + 1] as number;
          dBase += ds[k + 1] as number;
          break;
        }
        cBase -= (idx[k] as number) * (cs[k + 1] as number);
        dBase -= (idx[k] as number) * (ds[k + 1] as number);
        idx[k] = 0;
      }
    }
  }
  return out;
}

/**
 * `zn` voxels of four neighbouring x from disk order into C order: `out[p + j·cx + z] = src[q + j + z·dz]`
 * (j < 4). A function of its own, so that V8 compiles this loop apart from the caller's.
 */
function copyFourColumns(
  out: NumericArray,
  src: NumericArray,
  p: number,
  q: number,
  zn: number,
  cx: number,
  dz: number,
): void {
  for (let z = 0; z < zn; z++, p++, q += dz) {
    out[p] = src[q] as number;
    out[p + cx] = src[q + 1] as number;
    out[p + 2 * cx] = src[q + 2] as number;
    out[p + 3 * cx] = src[q + 3] as number;
  }
}

/** The header as MONAI's meta dict gets it (`dict(img.header)`), JSON-friendly. */
function headerMeta(h: NiftiHeader, pixdim: number[]): ImageMeta {
  const { littleEndian: _le, version: _v, ...fields } = h;
  return { ...fields, pixdim };
}

/** Bytes of voxel data a header declares (throws a plain Error for an invalid header). */
function declaredVoxelBytes(h: NiftiHeader): number {
  const info = NIFTI_DATATYPES[h.datatype];
  return shapeSize(headerShape(h)) * (info?.bytes ?? 0) * (info?.components ?? 1);
}

/** What a gzipped `.nii`/`.hdr` needs inflated: its header, extensions and (single file) voxels. */
function declaredFileBytes(head: Uint8Array): number {
  const h = parseNiftiHeader(head);
  if (h.magic === 'ni1' || h.magic === 'ni2') return h.sizeof_hdr;
  return Math.max(Math.floor(h.vox_offset), h.sizeof_hdr) + declaredVoxelBytes(h);
}

/** Reads the bytes of a `.nii`, `.nii.gz`, or an Analyze-style `.hdr`/`.img` pair. */
async function loadNifti(
  file: string,
  maxDecompressedBytes: number,
): Promise<{ header: NiftiHeader; voxels: Uint8Array }> {
  const bytes = await readMaybeGzip(file, {
    maxDecompressedBytes,
    declared: { headBytes: NIFTI2_HEADER_SIZE, bytes: declaredFileBytes },
  });
  let header: NiftiHeader;
  try {
    header = parseNiftiHeader(bytes);
  } catch (e) {
    throw new ImageReadError(file, describeError(e), { cause: e });
  }
  let voxels: Uint8Array;
  if (header.magic === 'ni1' || header.magic === 'ni2') {
    const imgFile = file.replace(/\.hdr(\.gz)?$/i, '.img$1');
    if (imgFile === file)
      throw new ImageReadError(
        file,
        'header says the voxels are in a separate .img file but the name does not end in .hdr',
      );
    const offset = Math.max(0, Math.floor(header.vox_offset));
    const img = await readMaybeGzip(imgFile, {
      maxDecompressedBytes,
      declared: { headBytes: 0, bytes: () => offset + declaredVoxelBytes(header) },
    });
    voxels = img.subarray(Math.min(offset, img.length));
  } else {
    const off = Math.floor(header.vox_offset);
    if (!(off >= header.sizeof_hdr))
      throw new ImageReadError(file, `vox_offset ${header.vox_offset} lies inside the header`);
    voxels = bytes.subarray(Math.min(off, bytes.length));
  }
  return { header, voxels };
}

/** Reads one NIfTI file into a MetaImage laid out as MONAI's NibabelReader returns it. */
export async function readNifti(file: string, options: NiftiReadOptions = {}): Promise<MetaImage> {
  const ceiling = resolveMaxDecompressedBytes(options.maxDecompressedBytes, 'NibabelReader');
  const { header: h, voxels } = await loadNifti(file, ceiling);
  let shape: number[];
  try {
    shape = headerShape(h);
  } catch (e) {
    throw new ImageReadError(file, describeError(e), { cause: e });
  }
  const info = checkDatatype(h.datatype, file);
  const comps = info.components ?? 1;
  const needed = shapeSize(shape) * info.bytes * comps;
  if (needed > ceiling)
    throw new ImageReadError(
      file,
      `dims [${shape.join(', ')}] of ${info.name} declare ${needed} bytes of voxel data, more than the ${ceiling} bytes allowed; if the file is genuine, raise the reader option maxDecompressedBytes`,
    );
  if (voxels.length < needed)
    throw new ImageReadError(
      file,
      `truncated: dims [${shape.join(', ')}] of ${info.name} need ${needed} bytes of voxel data but the file has ${voxels.length}`,
    );
  const scale = slopeInter(h, file);
  const native = NATIVE[info.name];
  const dtype: DType =
    options.dtype === undefined
      ? 'float32'
      : options.dtype === null
        ? scale
          ? 'float64'
          : (native ?? 'float32')
        : options.dtype;
  let data = convertVoxels(voxels, h, shape, dtype, scale, file);
  let arrShape = comps > 1 ? [...shape, comps] : shape;
  let affine: AffineMatrix;
  let pixdim: number[];
  try {
    ({ affine, pixdim } = monaiNiftiAffine(h));
  } catch (e) {
    throw new ImageReadError(file, `invalid orientation in the header: ${describeError(e)}`, { cause: e });
  }
  const originalAffine: AffineMatrix = affine.slice();
  if (options.asClosestCanonical) {
    const nsp = Math.min(shape.length, 3);
    const ornt = ioOrientation(affine, nsp);
    if (!isIdentityOrientation(ornt)) {
      const r = applyOrientation(data, arrShape, ornt);
      data = r.data;
      arrShape = r.shape;
      affine = matmul(affine, inverseOrientationAffine(ornt, shape.slice(0, nsp)));
      const pd = [...pixdim];
      ornt.forEach((o, i) => (pd[o.axis + 1] = pixdim[i + 1] as number));
      pixdim = pd;
    }
  }
  if (options.squeezeNonSpatialDims)
    while (arrShape.length > 3 && arrShape[arrShape.length - 1] === 1) arrShape = arrShape.slice(0, -1);
  const spatialShape = arrShape.slice(0, Math.min(shape.length, 3));
  let channelDim: number | 'no_channel' = arrShape.length === spatialShape.length ? 'no_channel' : -1;
  if (options.channelDim !== undefined && options.channelDim !== null) channelDim = options.channelDim;
  const meta: ImageMeta = {
    ...headerMeta(h, pixdim),
    affine: affine.slice(),
    original_affine: originalAffine,
    spatial_shape: spatialShape,
    original_channel_dim: channelDim,
    space: 'RAS',
    filename_or_obj: file,
  };
  return new MetaImage({ data, shape: arrShape, dtype, affine, meta });
}

/**
 * MONAI's NibabelReader for `.nii`, `.nii.gz` (NIfTI-1 and NIfTI-2, either byte order, every real
 * datatype, RGB24) and `.hdr/.img` pairs. The affine follows MONAI's header rectification and
 * nibabel's sform/qform/base precedence. A list of files is stacked as channels.
 *
 * @example
 * const img = await NibabelReader.read('brain.nii.gz', { asClosestCanonical: true });
 */
export const NibabelReader: ImageReader = {
  name: 'NibabelReader',
  verifySuffix(path: string): boolean {
    return /\.(nii|nii\.gz|hdr|hdr\.gz)$/i.test(path);
  },
  async read(path: string | readonly string[], options: NiftiReadOptions = {}): Promise<MetaImage> {
    const files = typeof path === 'string' ? [path] : [...path];
    if (files.length === 0) throw new ImageReadError('(no file)', 'an empty list of files was given');
    const images = await Promise.all(files.map((f) => readNifti(f, options)));
    return images.length === 1 ? (images[0] as MetaImage) : stackImages(images);
  },
};

/** Reads only the header of a NIfTI file (for tools and tests). */
export async function readNiftiHeader(file: string): Promise<NiftiHeader> {
  const bytes = file.endsWith('.gz')
    ? await readMaybeGzip(file, {
        declared: { headBytes: NIFTI2_HEADER_SIZE, bytes: () => NIFTI2_HEADER_SIZE },
      })
    : await readFile(file);
  try {
    return parseNiftiHeader(bytes);
  } catch (e) {
    throw new ImageReadError(file, describeError(e), { cause: e });
  }
}

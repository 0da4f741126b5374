/**
 * Pixel data → typed arrays, one frame at a time: native data (8/16/32-bit, signed or unsigned,
 * little or big endian, 1-bit, float), RLE and compressed codecs; Bits Stored masking and sign
 * extension, planar configuration, YBR → RGB.
 */
import dicomParser, { type DataSet, type Element, type Fragment } from 'dicom-parser';
import { CscMlopsError, ImageReadError, UnsupportedFormatError, describeError } from '../../errors.js';
import type { DType, NumericArray } from '../../image/dtype.js';
import { CodecUnsupportedError, decodeCompressedFrame, jpegAsStoredRgb } from './codecs.js';
import type { DicomImageHeader } from './image-header.js';
import type { DicomFile } from './parse.js';
import { RleError, decodeRle } from './rle.js';
import { describeTransferSyntax, transferSyntaxInfo } from './transfer-syntax.js';

/** Photometric interpretations we decode to one channel. */
const MONOCHROME = new Set(['MONOCHROME1', 'MONOCHROME2']);
/** Photometric interpretations we decode to three channels (RGB). */
const COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT']);

/**
 * The dtype frames decode to (before rescale): from Bits Allocated and Pixel Representation;
 * 1-bit data → `uint8`, float pixel data → `float32`/`float64`.
 */
export function storedDType(header: DicomImageHeader): DType {
  const { bitsAllocated: ba, pixelRepresentation: pr, pixelDataTag } = header;
  if (pixelDataTag === 'x7fe00008') return 'float32';
  if (pixelDataTag === 'x7fe00009') return 'float64';
  if (ba <= 8) return pr === 1 && ba === 8 ? 'int8' : 'uint8';
  if (ba === 16) return pr === 1 ? 'int16' : 'uint16';
  return pr === 1 ? 'int32' : 'uint32';
}

/** Number of samples (channels) per pixel in the decoded output: 1 or 3. */
export function outputSamples(header: DicomImageHeader): number {
  return header.samplesPerPixel === 3 ? 3 : 1;
}

function alloc(dtype: DType, n: number): NumericArray {
  switch (dtype) {
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    default:
      return new Uint8Array(n);
  }
}

/**
 * Checks that we can decode this header's pixel layout and transfer syntax; throws
 * {@link UnsupportedFormatError} (naming the file, and the UID and name of a transfer syntax)
 * otherwise.
 */
export function checkDecodable(header: DicomImageHeader): void {
  const pi = header.photometricInterpretation;
  const file = header.file;
  if (header.samplesPerPixel === 1 && !MONOCHROME.has(pi)) {
    if (pi === 'PALETTE COLOR')
      throw new UnsupportedFormatError(
        'PALETTE COLOR images are not supported (the pixels are indices into a colour table); convert the file to RGB first',
        file,
      );
    throw new UnsupportedFormatError(
      `photometric interpretation '${pi}' with one sample per pixel is not supported`,
      file,
    );
  }
  const tsInfo = transferSyntaxInfo(header.transferSyntaxUID);
  // JPEG codecs return RGB whatever the chroma subsampling; uncompressed partial-range YBR we do not convert.
  const jpeg = tsInfo?.encoding === 'jpeg-baseline' || tsInfo?.encoding === 'jpeg-extended';
  if (header.samplesPerPixel === 3 && !COLOUR.has(pi) && !(jpeg && pi.startsWith('YBR_PARTIAL')))
    throw new UnsupportedFormatError(
      `photometric interpretation '${pi}' with three samples per pixel is not supported`,
      file,
    );
  if (!tsInfo)
    throw new UnsupportedFormatError(
      `transfer syntax ${describeTransferSyntax(header.transferSyntaxUID)} is not supported`,
      file,
    );
  if (tsInfo.encoding === 'unsupported')
    throw new UnsupportedFormatError(`transfer syntax ${tsInfo.uid} (${tsInfo.name}) is not supported`, file);
  if (tsInfo.encoding !== 'native' && header.bitsAllocated === 1)
    throw new UnsupportedFormatError(`1-bit pixel data in ${tsInfo.name} is not supported`, file);
  if (tsInfo.encoding !== 'native' && header.pixelDataTag !== 'x7fe00010')
    throw new UnsupportedFormatError(`float pixel data in ${tsInfo.name} is not supported`, file);
}

function pixelElement(dicom: DicomFile, header: DicomImageHeader): Element {
  if (!dicom.complete)
    throw new ImageReadError(
      dicom.file,
      'internal: pixel data requested from a header-only parse; parse the whole file',
    );
  const el = dicom.dataSet.elements[header.pixelDataTag];
  if (!el) throw new ImageReadError(dicom.file, 'holds no image: it has no Pixel Data (7FE0,0010)');
  return el;
}

/** Bytes of one native frame (not for 1-bit data). */
function nativeFrameBytes(header: DicomImageHeader): number {
  const { rows, columns, samplesPerPixel, bitsAllocated, photometricInterpretation } = header;
  if (photometricInterpretation === 'YBR_FULL_422') return rows * columns * 2 * (bitsAllocated / 8);
  return rows * columns * samplesPerPixel * (bitsAllocated / 8);
}

/** Reads `count` samples of `bytes` (native, `littleEndian`) starting at `offset` into a typed array. */
function readSamples(
  bytes: Uint8Array,
  offset: number,
  count: number,
  bitsAllocated: number,
  dtype: DType,
  littleEndian: boolean,
): NumericArray {
  const out = alloc(dtype, count);
  const bps = bitsAllocated / 8;
  const src = bytes.subarray(offset, offset + count * bps);
  if (bps === 1) {
    (out as Uint8Array).set(src);
    return out;
  }
  const target = new Uint8Array(out.buffer, out.byteOffset, count * bps);
  target.set(src);
  if (!littleEndian) {
    if (bps === 2) {
      for (let i = 0; i < target.length; i += 2) {
        const t = target[i]!;
        target[i] = target[i + 1]!;
        target[i + 1] = t;
      }
    } else {
      for (let i = 0; i < target.length; i += bps) {
        for (let a = i, b = i + bps - 1; a < b; a++, b--) {
          const t = target[a]!;
          target[a] = target[b]!;
          target[b] = t;
        }
      }
    }
  }
  return out;
}

/** Keeps Bits Stored bits (from High Bit down) and sign-extends signed data, in place. */
function maskBits(data: NumericArray, header: DicomImageHeader): void {
  const { bitsAllocated: ba, bitsStored: bs, highBit, pixelRepresentation: pr } = header;
  if (header.pixelDataTag !== 'x7fe00010' || ba === 1) return;
  const shiftDown = Math.max(0, highBit + 1 - bs);
  if (bs >= ba && shiftDown === 0) return;
  // 32-bit integer arithmetic on the container's bit pattern; typed-array stores wrap the result.
  const n = data.length;
  if (pr === 1) {
    const up = 32 - bs;
    for (let i = 0; i < n; i++) data[i] = (((data[i] as number) >>> shiftDown) << up) >> up;
  } else {
    const mask = bs >= 32 ? -1 : (1 << bs) - 1;
    for (let i = 0; i < n; i++) data[i] = ((data[i] as number) >>> shiftDown) & mask;
  }
}

function planarToInterleaved(data: NumericArray, pixels: number): NumericArray {
  const out = data.slice();
  for (let p = 0; p < pixels; p++) {
    out[3 * p] = data[p]!;
    out[3 * p + 1] = data[pixels + p]!;
    out[3 * p + 2] = data[2 * pixels + p]!;
  }
  return out;
}

/** YBR_FULL → RGB in place (PS3.3 C.7.6.3.1.2), for `bits`-bit samples. */
export function ybrFullToRgb(data: NumericArray, bits: number): void {
  const max = 2 ** bits - 1;
  const half = 2 ** (bits - 1);
  for (let i = 0; i + 2 < data.length; i += 3) {
    const y = data[i]!;
    const cb = data[i + 1]! - half;
    const cr = data[i + 2]! - half;
    const r = y + 1.402 * cr;
    const g = y - ((0.114 * 1.772) / 0.587) * cb - ((0.299 * 1.402) / 0.587) * cr;
    const b = y + 1.772 * cb;
    data[i] = Math.min(max, Math.max(0, Math.round(r)));
    data[i + 1] = Math.min(max, Math.max(0, Math.round(g)));
    data[i + 2] = Math.min(max, Math.max(0, Math.round(b)));
  }
}

/** Native YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair) → full-resolution YBR (Y Cb Cr per pixel). */
function expandYbr422(data: NumericArray, rows: number, columns: number): NumericArray {
  const out = alloc(data instanceof Uint16Array ? 'uint16' : 'uint8', rows * columns * 3);
  let s = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c += 2) {
      const y1 = data[s]!;
      const y2 = data[s + 1]!;
      const cb = data[s + 2]!;
      const cr = data[s + 3]!;
      s += 4;
      const o = (r * columns + c) * 3;
      out[o] = y1;
      out[o + 1] = cb;
      out[o + 2] = cr;
      if (c + 1 < columns) {
        out[o + 3] = y2;
        out[o + 4] = cb;
        out[o + 5] = cr;
      }
    }
  }
  return out;
}

function unpackBits(bytes: Uint8Array, bitOffset: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = bitOffset + i;
    out[i] = (bytes[bit >> 3]! >> (bit & 7)) & 1;
  }
  return out;
}

/** Concatenates fragments `[start, start + count)` (a view when there is one). */
function fragmentBytes(
  bytes: Uint8Array,
  fragments: readonly Fragment[],
  start: number,
  count: number,
): Uint8Array {
  if (count === 1) {
    const f = fragments[start]!;
    return bytes.subarray(f.position, f.position + f.length);
  }
  let total = 0;
  for (let i = start; i < start + count; i++) total += fragments[i]!.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (let i = start; i < start + count; i++) {
    const f = fragments[i]!;
    if (f.position + f.length > bytes.length)
      throw new Error(`fragment ${i + 1} runs past the end of the file`);
    out.set(bytes.subarray(f.position, f.position + f.length), o);
    o += f.length;
  }
  return out;
}

/** JPEG offset tables built from EOI markers, per pixel data element (built once per file). */
const jpegTables = new WeakMap<Element, number[]>();

/** The encapsulated bytes of frame `index` (0-based). */
export function encapsulatedFrame(dicom: DicomFile, header: DicomImageHeader, index: number): Uint8Array {
  const ds: DataSet = dicom.dataSet;
  const el = pixelElement(dicom, header);
  const fragments = el.fragments;
  if (!el.encapsulatedPixelData || !fragments)
    throw new ImageReadError(
      dicom.file,
      'the transfer syntax is compressed but the pixel data is not encapsulated',
    );
  if (fragments.length === 0)
    throw new ImageReadError(dicom.file, 'the encapsulated pixel data has no fragments');
  const n = header.numberOfFrames;
  try {
    let table = el.basicOffsetTable && el.basicOffsetTable.length > 0 ? el.basicOffsetTable : undefined;
    if (table && table.length !== n)
      throw new Error(`the basic offset table lists ${table.length} frames, the header ${n}`);
    if (!table) {
      if (n === 1) return fragmentBytes(ds.byteArray, fragments, 0, fragments.length);
      if (fragments.length === n) return fragmentBytes(ds.byteArray, fragments, index, 1);
      const encoding = dicom.transferSyntax?.encoding;
      if (encoding !== 'jpeg-baseline' && encoding !== 'jpeg-extended' && encoding !== 'jpeg-lossless')
        throw new Error(`${fragments.length} fragments for ${n} frames and no basic offset table`);
      table = jpegTables.get(el);
      if (!table) {
        table = dicomParser.createJPEGBasicOffsetTable(ds, el);
        jpegTables.set(el, table);
      }
    }
    const start = table[index]!;
    const end = index + 1 < n ? table[index + 1]! : Infinity;
    const first = fragments.findIndex((f) => f.offset === start);
    if (first < 0) throw new Error(`no fragment starts at offset ${start}`);
    let count = 1;
    while (first + count < fragments.length && fragments[first + count]!.offset < end) count++;
    return fragmentBytes(ds.byteArray, fragments, first, count);
  } catch (e) {
    throw new ImageReadError(
      dicom.file,
      `cannot locate frame ${index + 1} of ${n} in the encapsulated pixel data: ${describeError(e)}`,
      {
        cause: e,
      },
    );
  }
}

/**
 * Decodes frame `index` (0-based) of a fully parsed file: a typed array of `rows × columns ×
 * samples` values (row-major, RGB interleaved), dtype {@link storedDType}, before rescale.
 */
export async function decodeFrame(
  dicom: DicomFile,
  header: DicomImageHeader,
  index: number,
): Promise<NumericArray> {
  const n = header.numberOfFrames;
  if (!Number.isInteger(index) || index < 0 || index >= n)
    throw new RangeError(`frame index ${index} is out of range (the file has ${n} frame(s))`);
  try {
    return await decodeOne(dicom, header, index);
  } catch (e) {
    if (e instanceof CscMlopsError) throw e;
    // dicom-parser throws strings; corrupt sizes can make typed-array allocation fail.
    throw new ImageReadError(dicom.file, `frame ${index + 1}: corrupt pixel data (${describeError(e)})`, {
      cause: e,
    });
  }
}

async function decodeOne(dicom: DicomFile, header: DicomImageHeader, index: number): Promise<NumericArray> {
  checkDecodable(header);
  const file = dicom.file;
  const n = header.numberOfFrames;
  const ts = transferSyntaxInfo(header.transferSyntaxUID)!;
  const { rows, columns, samplesPerPixel: spp, bitsAllocated: ba } = header;
  const pixels = rows * columns;
  const dtype = storedDType(header);
  let data: NumericArray;
  let pi = header.photometricInterpretation;

  if (ts.encoding === 'native') {
    const el = pixelElement(dicom, header);
    const bytes = dicom.dataSet.byteArray;
    if (ba === 1) {
      const needBits = pixels * spp * n;
      if (el.length * 8 < needBits)
        throw new ImageReadError(
          file,
          `the pixel data has ${el.length} bytes but ${n} frame(s) of ${rows}×${columns} 1-bit pixels need ${Math.ceil(needBits / 8)}: the file is truncated`,
        );
      data = unpackBits(
        bytes.subarray(el.dataOffset, el.dataOffset + el.length),
        index * pixels * spp,
        pixels * spp,
      );
    } else {
      const frameBytes = nativeFrameBytes(header);
      if (el.length < frameBytes * n || el.dataOffset + frameBytes * n > bytes.length)
        throw new ImageReadError(
          file,
          `the pixel data has ${Math.min(el.length, bytes.length - el.dataOffset)} bytes but ${n} frame(s) of ${rows}×${columns}×${spp} samples of ${ba} bits need ${frameBytes * n}: the file is truncated`,
        );
      // 8-bit OW data in big endian files is byte-swapped in 16-bit words.
      let littleEndian = ts.littleEndian;
      let src = bytes;
      let start = el.dataOffset + index * frameBytes;
      if (!littleEndian && ba === 8 && el.vr === 'OW') {
        src = new Uint8Array(bytes.subarray(el.dataOffset, el.dataOffset + el.length));
        for (let i = 0; i + 1 < src.length; i += 2) [src[i], src[i + 1]] = [src[i + 1]!, src[i]!];
        start = index * frameBytes;
        littleEndian = true;
      }
      data = readSamples(src, start, frameBytes / (ba / 8), ba, dtype, littleEndian);
      if (pi === 'YBR_FULL_422') {
        data = expandYbr422(data, rows, columns);
        pi = 'YBR_FULL';
      } else if (spp === 3 && header.planarConfiguration === 1) {
        data = planarToInterleaved(data, pixels);
      }
    }
  } else {
    let frame = encapsulatedFrame(dicom, header, index);
    if ((ts.encoding === 'jpeg-baseline' || ts.encoding === 'jpeg-extended') && spp === 3 && pi === 'RGB')
      frame = jpegAsStoredRgb(frame);
    if (ts.encoding === 'rle') {
      let raw: Uint8Array;
      try {
        raw = decodeRle(frame, rows, columns, spp, ba);
      } catch (e) {
        if (e instanceof RleError)
          throw new ImageReadError(file, `frame ${index + 1}: ${e.message}`, { cause: e });
        throw e;
      }
      data = readSamples(raw, 0, pixels * spp, ba, dtype, true);
    } else {
      let decoded;
      try {
        decoded = await decodeCompressedFrame(ts.encoding, frame, ba);
      } catch (e) {
        if (e instanceof CodecUnsupportedError)
          throw new UnsupportedFormatError(`transfer syntax ${ts.uid} (${ts.name}): ${e.message}`, file, {
            cause: e,
          });
        throw new ImageReadError(file, `frame ${index + 1} (${ts.name}): ${describeError(e)}`, { cause: e });
      }
      if (decoded.width !== columns || decoded.height !== rows || decoded.components !== spp)
        throw new ImageReadError(
          file,
          `frame ${index + 1} decodes to ${decoded.width}×${decoded.height}×${decoded.components} but the header says ${columns}×${rows}×${spp}`,
        );
      data = alloc(dtype, pixels * spp);
      const s = decoded.samples;
      // Copy bit patterns; masking below fixes sign and unused bits.
      if (ba === 16 && s instanceof Uint16Array)
        new Uint16Array(data.buffer, data.byteOffset, data.length).set(s);
      else if (ba === 8 && s instanceof Uint8Array)
        new Uint8Array(data.buffer, data.byteOffset, data.length).set(s);
      else for (let i = 0; i < data.length; i++) data[i] = s[i]!;
      // Codecs return colour images as RGB (JPEG and JPEG 2000 undo their colour transforms).
      if (spp === 3) pi = 'RGB';
    }
  }
  maskBits(data, header);
  if (spp === 3 && (pi === 'YBR_FULL' || pi === 'YBR_FULL_422')) ybrFullToRgb(data, header.bitsStored);
  return data;
}

/** Decodes every frame of a fully parsed file (see {@link decodeFrame}). */
export async function decodeFrames(dicom: DicomFile, header: DicomImageHeader): Promise<NumericArray[]> {
  const out: NumericArray[] = [];
  for (let i = 0; i < header.numberOfFrames; i++) out.push(await decodeFrame(dicom, header, i));
  return out;
}

/**
 * Parsing DICOM files with dicom-parser, with every failure turned into a typed error that names
 * the file. Handles Part-10 files with and without preamble or file meta, deflated datasets
 * (zlib `inflateRawSync` through dicom-parser's `inflater` option) and explicit big endian.
 */
import { open, readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { ImageReadError, UnsupportedFormatError, describeError } from '../../errors.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../read-file.js';
import { type TransferSyntax, transferSyntaxInfo } from './transfer-syntax.js';

/** Tag of Pixel Data (7FE0,0010) in dicom-parser's notation. */
export const PIXEL_DATA_TAG = 'x7fe00010';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';

/** The file is not DICOM at all (no `DICM` marker, no dataset at its start). */
export class NotDicomError extends ImageReadError {}

/** A parsed DICOM file: dicom-parser's dataset and its transfer syntax. */
export interface DicomFile {
  /** The file (or the label given for a buffer), for messages. */
  readonly file: string;
  /** dicom-parser's dataset (for a deflated file, over the inflated bytes). */
  readonly dataSet: DataSet;
  /** Transfer syntax UID from the file meta (or guessed for a dataset without one). */
  readonly transferSyntaxUID: string;
  /** The transfer syntax, undefined when the UID is not one we know. */
  readonly transferSyntax: TransferSyntax | undefined;
  /** False when only the header was parsed (pixel data not read). */
  readonly complete: boolean;
  /** True when the transfer syntax was guessed because the file had no file meta. */
  readonly guessedTransferSyntax: boolean;
  /**
   * Bytes the dataset can hold, in `dataSet` offsets: the whole file's (or inflated dataset's) size,
   * also when only its head was parsed. Element offsets plus lengths past it are lies.
   */
  readonly byteLength: number;
}

/** Options of {@link parseDicomBuffer} and {@link parseDicomFile}. */
export interface ParseDicomOptions {
  /** Stop before Pixel Data: the header only (the buffer may end there). */
  headerOnly?: boolean;
  /** Size of the whole file when `bytes` is only its head (default: the buffer's length). */
  fileSize?: number;
  /**
   * Ceiling on what a deflated dataset (1.2.840.10008.1.2.1.99) may inflate to, in bytes (default
   * `DEFAULT_MAX_DECOMPRESSED_BYTES`, 2 GiB).
   */
  maxDecompressedBytes?: number;
}

/** True when `bytes` has the Part-10 `DICM` marker at byte 128. */
export function hasDicmMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(
    ' ',
  ),
);

/**
 * Guesses the transfer syntax of a dataset that starts at `offset` with no file meta before it
 * (as pydicom does for such files): byte order from the first group number, explicit VR when
 * bytes 4–5 spell a VR. Returns undefined when the bytes do not look like a DICOM dataset.
 */
export function guessTransferSyntax(bytes: Uint8Array, offset = 0): string | undefined {
  if (bytes.length < offset + 8) return undefined;
  const b0 = bytes[offset]!;
  const b1 = bytes[offset + 1]!;
  const groupLe = b0 | (b1 << 8);
  const groupBe = (b0 << 8) | b1;
  const vr = String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!);
  const explicit = VRS.has(vr);
  // Datasets start with a low, even group (0002, 0008, 0010, ...).
  const plausible = (g: number): boolean => g >= 2 && g <= 0x0040 && g % 2 === 0;
  if (plausible(groupLe)) return explicit ? EXPLICIT_LE : IMPLICIT_LE;
  if (plausible(groupBe) && explicit) return EXPLICIT_BE;
  return undefined;
}

/** Inflating a deflated dataset went past the ceiling, or inflated to something that is no dataset. */
class InflateRefused extends Error {}

function inflaterFor(maxBytes: number): (bytes: Uint8Array, position: number) => Uint8Array {
  return (bytes, position) => {
    let inflated: Uint8Array;
    try {
      inflated = inflateRawSync(bytes.subarray(position), { maxOutputLength: maxBytes });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new InflateRefused(
          `the deflated dataset inflates to more than the ${maxBytes} bytes allowed; if the file is genuine, raise the reader option maxDecompressedBytes`,
        );
      throw e;
    }
    // A dataset starts with an element of a low, even group and an explicit VR: refuse anything else
    // before dicom-parser walks megabytes of it.
    if (inflated.length > 0 && guessTransferSyntax(inflated) !== EXPLICIT_LE)
      throw new InflateRefused('the deflated dataset does not inflate to a DICOM dataset');
    const full = new Uint8Array(position + inflated.length);
    full.set(bytes.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
}

/** dicom-parser throws strings, Errors, or `{ exception, dataSet }` objects: get the message. */
function parserMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'exception' in e)
    return describeError((e as { exception: unknown }).exception);
  return describeError(e);
}

function transferSyntaxOf(dataSet: DataSet): string | undefined {
  const el = dataSet.elements['x00020010'];
  if (!el) return undefined;
  return dataSet.string('x00020010')?.replace(/\0/g, '').trim();
}

/**
 * Parses DICOM bytes. `file` names the source in errors. Throws {@link ImageReadError} for
 * non-DICOM, corrupt or truncated input, {@link UnsupportedFormatError} for a deflated file whose
 * stream cannot be inflated.
 */
export function parseDicomBuffer(
  bytes: Uint8Array,
  file: string,
  options: ParseDicomOptions = {},
): DicomFile {
  if (bytes.length === 0) throw new NotDicomError(file, 'the file is empty, not a DICOM file');
  const untilTag = options.headerOnly ? PIXEL_DATA_TAG : undefined;
  const inflater = inflaterFor(options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  let data = bytes;
  let guessed: string | undefined;
  if (!hasDicmMagic(bytes)) {
    guessed = guessTransferSyntax(bytes);
    if (guessed === undefined) {
      throw new NotDicomError(
        file,
        'not a DICOM file: no "DICM" marker at byte 128 and no DICOM dataset at the start of the file',
      );
    }
    if (bytes[0] === 2 && bytes[1] === 0) {
      // File meta without the 128-byte preamble: give it one so that dicom-parser reads the meta.
      data = new Uint8Array(bytes.length + 132);
      data.set([0x44, 0x49, 0x43, 0x4d], 128);
      data.set(bytes, 132);
      guessed = undefined;
    }
  }
  let dataSet: DataSet;
  let guessedTs = false;
  try {
    if (guessed !== undefined) {
      dataSet = dicomParser.parseDicom(data, { TransferSyntaxUID: guessed, untilTag, inflater } as never);
      guessedTs = true;
    } else {
      const meta = dicomParser.readPart10Header(data);
      if (transferSyntaxOf(meta) === undefined) {
        // File meta without (0002,0010): guess from the dataset that follows and parse that.
        const position = (meta as DataSet & { position?: number }).position ?? 132;
        const guess = guessTransferSyntax(data, position);
        if (guess === undefined)
          throw new ImageReadError(
            file,
            'the file meta has no Transfer Syntax UID (0002,0010) and no dataset follows',
          );
        data = data.subarray(position);
        dataSet = dicomParser.parseDicom(data, { TransferSyntaxUID: guess, untilTag, inflater } as never);
        guessed = guess;
        guessedTs = true;
      } else {
        dataSet = dicomParser.parseDicom(data, { untilTag, inflater } as never);
      }
    }
  } catch (e) {
    if (e instanceof ImageReadError) throw e;
    if (e instanceof InflateRefused) throw new ImageReadError(file, e.message);
    const message = parserMessage(e);
    if (
      /inflate|incorrect header check|invalid (block|distance|stored)|unexpected end of file/i.test(message)
    ) {
      throw new ImageReadError(
        file,
        `the deflated dataset cannot be inflated (${message}); the file is corrupt or truncated`,
        {
          cause: e,
        },
      );
    }
    throw new ImageReadError(file, `corrupt or truncated DICOM data (${message})`, { cause: e });
  }
  const uid = guessed ?? transferSyntaxOf(dataSet) ?? IMPLICIT_LE;
  return {
    file,
    dataSet,
    transferSyntaxUID: uid,
    transferSyntax: transferSyntaxInfo(uid),
    complete: !options.headerOnly,
    guessedTransferSyntax: guessedTs,
    byteLength: Math.max(
      dataSet.byteArray.length,
      (options.fileSize ?? bytes.length) + (data.length - bytes.length),
    ),
  };
}

/** Options of {@link parseDicomFile}. */
export interface ParseDicomFileOptions extends ParseDicomOptions {
  /**
   * With `headerOnly`, read only this many bytes first (default 64 KiB) and the whole file only
   * when the header does not fit.
   */
  headerBytes?: number;
}

async function readHead(
  path: string,
  n: number,
): Promise<{ bytes: Uint8Array; whole: boolean; size: number }> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const len = Math.min(size, n);
    const buf = new Uint8Array(len);
    let off = 0;
    while (off < len) {
      const { bytesRead } = await fh.read(buf, off, len - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return { bytes: buf.subarray(0, off), whole: off >= size, size };
  } finally {
    await fh.close();
  }
}

/** Wraps file-system errors (missing file, a folder, no permission) into ImageReadError. */
export function fileSystemError(path: string, e: unknown): ImageReadError {
  const code = (e as { code?: string }).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a folder, not a file'
        : code === 'EACCES'
          ? 'permission denied'
          : describeError(e);
  return new ImageReadError(path, reason, { cause: e });
}

/** Reads and parses a DICOM file (see {@link parseDicomBuffer}). */
export async function parseDicomFile(path: string, options: ParseDicomFileOptions = {}): Promise<DicomFile> {
  if (options.headerOnly) {
    let head: { bytes: Uint8Array; whole: boolean; size: number };
    try {
      head = await readHead(path, options.headerBytes ?? 65536);
    } catch (e) {
      throw fileSystemError(path, e);
    }
    if (!head.whole) {
      try {
        const parsed = parseDicomBuffer(head.bytes, path, { ...options, fileSize: head.size });
        // A cut that falls between two elements parses cleanly: trust it only when it reached the pixel data.
        if (PIXEL_DATA_TAG in parsed.dataSet.elements && !parsed.transferSyntax?.deflated) return parsed;
      } catch (e) {
        if (e instanceof UnsupportedFormatError) throw e;
        // The header did not fit, or the file is deflated: parse the whole file below.
      }
    } else {
      return parseDicomBuffer(head.bytes, path, options);
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw fileSystemError(path, e);
  }
  return parseDicomBuffer(bytes, path, options);
}

/**
 * DICOM transfer syntaxes: how a file's dataset and pixel data are encoded, and which decoder
 * handles them.
 */

/** How the pixel data of a transfer syntax is decoded. */
export type PixelEncoding =
  | 'native'
  | 'rle'
  | 'jpeg-baseline'
  | 'jpeg-extended'
  | 'jpeg-lossless'
  | 'jpeg-ls'
  | 'jpeg2000'
  | 'htj2k'
  | 'unsupported';

/** One transfer syntax: its UID, its name in PS3.6 and how we read it. */
export interface TransferSyntax {
  readonly uid: string;
  readonly name: string;
  /** Dataset byte order (the file meta is always little endian). */
  readonly littleEndian: boolean;
  /** Explicit VR (every syntax but implicit VR little endian). */
  readonly explicitVr: boolean;
  /** Dataset compressed with deflate after the file meta. */
  readonly deflated: boolean;
  /** Pixel data held in encapsulated fragments. */
  readonly encapsulated: boolean;
  readonly encoding: PixelEncoding;
  /** The npm package that decodes it, for messages (undefined for native data and our own RLE decoder). */
  readonly decoder?: string;
}

function ts(
  uid: string,
  name: string,
  encoding: PixelEncoding,
  extra: Partial<Pick<TransferSyntax, 'littleEndian' | 'explicitVr' | 'deflated' | 'decoder'>> = {},
): TransferSyntax {
  return {
    uid,
    name,
    littleEndian: extra.littleEndian ?? true,
    explicitVr: extra.explicitVr ?? true,
    deflated: extra.deflated ?? false,
    encapsulated: encoding !== 'native',
    encoding,
    ...(extra.decoder === undefined ? {} : { decoder: extra.decoder }),
  };
}

const LIBJPEG = '@cornerstonejs/codec-libjpeg-turbo-8bit';
const LOSSLESS = 'jpeg-lossless-decoder-js';
const CHARLS = '@cornerstonejs/codec-charls';
const OPENJPEG = '@cornerstonejs/codec-openjpeg';
const OPENJPH = '@cornerstonejs/codec-openjph';

/** Every transfer syntax we know, by UID (the ones we cannot decode have encoding `'unsupported'`). */
export const TRANSFER_SYNTAXES: ReadonlyMap<string, TransferSyntax> = new Map(
  [
    ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native', { explicitVr: false }),
    ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native'),
    ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'native', { deflated: true }),
    ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native', { littleEndian: false }),
    ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
    ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline', { decoder: LIBJPEG }),
    ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg-extended', { decoder: LIBJPEG }),
    ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless', {
      decoder: LOSSLESS,
    }),
    ts(
      '1.2.840.10008.1.2.4.70',
      'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
      'jpeg-lossless',
      { decoder: LOSSLESS },
    ),
    ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless Image Compression', 'jpeg-ls', { decoder: CHARLS }),
    ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless) Image Compression', 'jpeg-ls', {
      decoder: CHARLS,
    }),
    ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)', 'jpeg2000', {
      decoder: OPENJPEG,
    }),
    ts('1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression', 'jpeg2000', { decoder: OPENJPEG }),
    ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)', 'htj2k', {
      decoder: OPENJPH,
    }),
    ts(
      '1.2.840.10008.1.2.4.202',
      'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)',
      'htj2k',
      { decoder: OPENJPH },
    ),
    ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000 Image Compression', 'htj2k', {
      decoder: OPENJPH,
    }),
    ts('1.2.840.10008.1.2.4.52', 'JPEG Extended (Process 3 & 5) (Retired)', 'unsupported'),
    ts(
      '1.2.840.10008.1.2.4.53',
      'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (Retired)',
      'unsupported',
    ),
    ts(
      '1.2.840.10008.1.2.4.55',
      'JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (Retired)',
      'unsupported',
    ),
    ts(
      '1.2.840.10008.1.2.4.92',
      'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)',
      'unsupported',
    ),
    ts('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component Image Compression', 'unsupported'),
    ts('1.2.840.10008.1.2.4.94', 'JPIP Referenced', 'unsupported'),
    ts('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', 'unsupported'),
    ts('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', 'unsupported'),
    ts('1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', 'unsupported'),
    ts('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', 'unsupported'),
    ts('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', 'unsupported'),
    ts('1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', 'unsupported'),
    ts('1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', 'unsupported'),
    ts('1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', 'unsupported'),
    ts('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', 'unsupported'),
    ts('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', 'unsupported'),
  ].map((t) => [t.uid, t]),
);

/** The transfer syntax of `uid`, or undefined when the UID is not a transfer syntax we know. */
export function transferSyntaxInfo(uid: string): TransferSyntax | undefined {
  return TRANSFER_SYNTAXES.get(uid.replace(/\0/g, '').trim());
}

/** `'1.2.840.10008.1.2.4.51' (JPEG Extended (Process 2 & 4))`, for messages. */
export function describeTransferSyntax(uid: string): string {
  const info = transferSyntaxInfo(uid);
  return info ? `${info.uid} (${info.name})` : `${uid} (unknown transfer syntax)`;
}

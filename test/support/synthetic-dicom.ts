/**
 * Small DICOM Part-10 files built from scratch for tests (explicit VR little endian unless told
 * otherwise): the fuzz inputs' hostile files and the reader tests' images with or without
 * geometry. Elements are written in ascending tag order, as the standard asks.
 */

/** One explicit-VR little-endian element. */
export function el(group: number, element: number, vr: string, value: Uint8Array | string): Uint8Array {
  let v = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  if (v.length % 2 === 1) v = Uint8Array.from([...v, vr === 'UI' ? 0 : 0x20]);
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT', 'OF'].includes(vr);
  const head = new Uint8Array(long ? 12 : 8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, group, true);
  dv.setUint16(2, element, true);
  head[4] = vr.charCodeAt(0);
  head[5] = vr.charCodeAt(1);
  if (long) dv.setUint32(8, v.length, true);
  else dv.setUint16(6, v.length, true);
  return concat([head, v]);
}

function us(n: number): Uint8Array {
  return new Uint8Array(new Uint16Array([n]).buffer);
}

/** The bytes of `parts`, one after the other. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Text attributes {@link syntheticDicom} can add (DICOM keyword → tag and VR). */
const TEXT_ATTRIBUTES = {
  ImagerPixelSpacing: [0x0018, 0x1164, 'DS'],
  SliceThickness: [0x0018, 0x0050, 'DS'],
  SpacingBetweenSlices: [0x0018, 0x0088, 'DS'],
  SeriesInstanceUID: [0x0020, 0x000e, 'UI'],
  InstanceNumber: [0x0020, 0x0013, 'IS'],
  ImagePositionPatient: [0x0020, 0x0032, 'DS'],
  ImageOrientationPatient: [0x0020, 0x0037, 'DS'],
  PixelSpacing: [0x0028, 0x0030, 'DS'],
} as const;

/** Options of {@link syntheticDicom}. */
export interface SyntheticDicom {
  rows?: number;
  columns?: number;
  /** NumberOfFrames as written (any string, to test lies). */
  frames?: string;
  bits?: number;
  transferSyntax?: string;
  /** SOP class (default Secondary Capture, 1.2.840.10008.5.1.4.1.1.7). */
  sopClassUID?: string;
  sopInstanceUID?: string;
  /** Pixel Data bytes (default zeros of the declared size of one frame). */
  pixels?: Uint8Array;
  /** Attributes written as text, e.g. `{ PixelSpacing: '0.5\\0.5', InstanceNumber: '3' }`. */
  attributes?: Partial<Record<keyof typeof TEXT_ATTRIBUTES, string>>;
  /** Replaces the dataset after the file meta (e.g. a deflated bomb). */
  dataset?: (plain: Uint8Array) => Uint8Array;
}

/** A small Part-10 file built from scratch (explicit VR little endian unless told otherwise). */
export function syntheticDicom(o: SyntheticDicom = {}): Uint8Array {
  const rows = o.rows ?? 4;
  const columns = o.columns ?? 4;
  const ts = o.transferSyntax ?? '1.2.840.10008.1.2.1';
  const sopClass = o.sopClassUID ?? '1.2.840.10008.5.1.4.1.1.7';
  const sopInstance = o.sopInstanceUID ?? '1.2.3.4.5';
  const metaBody = concat([
    el(2, 0x1, 'OB', new Uint8Array([0, 1])),
    el(2, 0x2, 'UI', sopClass),
    el(2, 0x3, 'UI', sopInstance),
    el(2, 0x10, 'UI', ts),
  ]);
  const meta = concat([el(2, 0, 'UL', new Uint8Array(new Uint32Array([metaBody.length]).buffer)), metaBody]);
  const bits = o.bits ?? 16;
  const pixels = o.pixels ?? new Uint8Array(rows * columns * (bits / 8));
  const elements: [number, Uint8Array][] = [
    [0x00080016, el(8, 0x16, 'UI', sopClass)],
    [0x00080018, el(8, 0x18, 'UI', sopInstance)],
    [0x00280002, el(0x28, 0x2, 'US', us(1))],
    [0x00280004, el(0x28, 0x4, 'CS', 'MONOCHROME2')],
    ...(o.frames === undefined ? [] : [[0x00280008, el(0x28, 0x8, 'IS', o.frames)] as [number, Uint8Array]]),
    [0x00280010, el(0x28, 0x10, 'US', us(rows))],
    [0x00280011, el(0x28, 0x11, 'US', us(columns))],
    [0x00280100, el(0x28, 0x100, 'US', us(bits))],
    [0x00280101, el(0x28, 0x101, 'US', us(bits))],
    [0x00280102, el(0x28, 0x102, 'US', us(bits - 1))],
    [0x00280103, el(0x28, 0x103, 'US', us(0))],
    [0x7fe00010, el(0x7fe0, 0x10, 'OW', pixels)],
  ];
  for (const [keyword, value] of Object.entries(o.attributes ?? {})) {
    const [group, element, vr] = TEXT_ATTRIBUTES[keyword as keyof typeof TEXT_ATTRIBUTES];
    elements.push([group * 0x10000 + element, el(group, element, vr, value)]);
  }
  const plain = concat(elements.sort((a, b) => a[0] - b[0]).map(([, bytes]) => bytes));
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, meta, o.dataset ? o.dataset(plain) : plain]);
}

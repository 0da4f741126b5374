/**
 * Compressed-frame decoders, loaded lazily: a codec's module (WASM) is loaded the first time a
 * file needs it, once per process. Codec console output is silenced.
 *
 * | encoding | package |
 * |---|---|
 * | JPEG baseline / extended 8-bit | `@cornerstonejs/codec-libjpeg-turbo-8bit` |
 * | JPEG lossless | `jpeg-lossless-decoder-js` |
 * | JPEG-LS | `@cornerstonejs/codec-charls` |
 * | JPEG 2000 | `@cornerstonejs/codec-openjpeg` |
 * | HTJ2K | `@cornerstonejs/codec-openjph` |
 */
import { createRequire } from 'node:module';
import type { PixelEncoding } from './transfer-syntax.js';

const require = createRequire(import.meta.url);

/** Samples decoded from one compressed frame (interleaved components, row-major). */
export interface DecodedSamples {
  /** 8-bit or 16-bit containers holding the sample bit patterns. */
  samples: Uint8Array | Uint16Array;
  width: number;
  height: number;
  components: number;
  /** Precision the codestream declares. */
  bitsPerSample: number;
}

/** A codec failed on the data; the caller adds the file and frame. */
export class CodecError extends Error {}

/** The codestream uses a feature no available codec decodes (e.g. 12-bit JPEG). */
export class CodecUnsupportedError extends Error {}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  delete?(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;
type Factory = (options: Record<string, unknown>) => Promise<WasmModule>;

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
  numComp?: number;
  xDim?: number;
  yDim?: number;
  precision?: number;
}

const quiet = (): void => {};
const modules = new Map<string, Promise<WasmModule>>();
let losslessCtor: (new () => LosslessDecoder) | undefined;

/** Runs a synchronous codec call with the console silenced (codecs print progress and warnings). */
function silenced<T>(fn: () => T): T {
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  console.log = console.info = console.warn = console.error = console.debug = quiet;
  try {
    return fn();
  } finally {
    Object.assign(console, saved);
  }
}

function loadWasm(specifier: string): Promise<WasmModule> {
  let p = modules.get(specifier);
  if (!p) {
    p = (async () => {
      const mod = silenced(() => require(specifier) as Factory | { default: Factory });
      const factory = typeof mod === 'function' ? mod : mod.default;
      return await factory({ print: quiet, printErr: quiet });
    })();
    p.catch(() => modules.delete(specifier));
    modules.set(specifier, p);
  }
  return p;
}

/** Which codec modules have been loaded so far (for tests of lazy loading). */
export function loadedCodecs(): string[] {
  return [...modules.keys(), ...(losslessCtor ? ['jpeg-lossless-decoder-js'] : [])];
}

const SPECIFIERS: Partial<Record<PixelEncoding, [string, string]>> = {
  'jpeg-baseline': ['@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder'],
  'jpeg-extended': ['@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder'],
  'jpeg-ls': ['@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder'],
  jpeg2000: ['@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder'],
  htj2k: ['@cornerstonejs/codec-openjph/wasmjs', 'HTJ2KDecoder'],
};

/**
 * Precision (bits) of a JPEG codestream from its SOF marker, undefined when none is found.
 * Used to refuse 12-bit JPEG before the 8-bit codec fails on it.
 */
export function jpegPrecision(frame: Uint8Array): number | undefined {
  let p = 2;
  while (p + 4 < frame.length) {
    if (frame[p] !== 0xff) {
      p++;
      continue;
    }
    const marker = frame[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return frame[p + 4];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    const len = (frame[p + 2]! << 8) | frame[p + 3]!;
    p += 2 + len;
  }
  return undefined;
}

/** Markers of a JPEG codestream up to the first scan: `[marker, segment start, segment length]`. */
function jpegSegments(frame: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  let p = 2;
  while (p + 3 < frame.length) {
    if (frame[p] !== 0xff) {
      p++;
      continue;
    }
    const marker = frame[p + 1]!;
    if (marker === 0xff || marker === 0x00) {
      p++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      p += 2;
      continue;
    }
    const len = (frame[p + 2]! << 8) | frame[p + 3]!;
    out.push([marker, p + 4, len - 2]);
    if (marker === 0xda) break;
    p += 2 + len;
  }
  return out;
}

/**
 * A JPEG codestream that libjpeg decodes without a colour transform. DICOM says a JPEG holds RGB
 * (Photometric Interpretation RGB) but libjpeg assumes YCbCr for 3-component streams without a
 * JFIF or Adobe marker or R/G/B component ids; GDCM and DCMTK follow the DICOM header, so we give
 * the stream an Adobe APP14 marker with transform 0. Returns the frame unchanged when it already
 * says how its colours are coded.
 */
export function jpegAsStoredRgb(frame: Uint8Array): Uint8Array {
  const segments = jpegSegments(frame);
  const has = (marker: number, id: string): boolean =>
    segments.some(
      ([m, start, len]) =>
        m === marker &&
        len >= id.length &&
        String.fromCharCode(...frame.subarray(start, start + id.length)) === id,
    );
  if (has(0xe0, 'JFIF') || has(0xee, 'Adobe')) return frame;
  const sof = segments.find(([m]) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc);
  if (sof && frame[sof[1] + 5] === 3) {
    const ids = [0, 1, 2].map((c) => frame[sof[1] + 6 + 3 * c]);
    if (ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42) return frame;
  }
  const adobe = [
    0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
  ];
  const out = new Uint8Array(frame.length + adobe.length);
  out.set(frame.subarray(0, 2), 0);
  out.set(adobe, 2);
  out.set(frame.subarray(2), 2 + adobe.length);
  return out;
}

async function decodeWasm(encoding: PixelEncoding, frame: Uint8Array): Promise<DecodedSamples> {
  const spec = SPECIFIERS[encoding];
  if (!spec) throw new CodecUnsupportedError(`no decoder for ${encoding}`);
  const mod = await loadWasm(spec[0]);
  const Ctor = mod[spec[1]];
  if (!Ctor) throw new CodecError(`${spec[0]} has no ${spec[1]}`);
  return silenced(() => {
    const decoder = new Ctor();
    try {
      decoder.getEncodedBuffer(frame.length).set(frame);
      try {
        decoder.decode();
      } catch (e) {
        throw new CodecError(`${spec[0]} failed: ${typeof e === 'number' ? `error code ${e}` : String(e)}`);
      }
      const info = decoder.getFrameInfo();
      if (!info.width || !info.height)
        throw new CodecError(
          `${spec[0]} decoded no image (the codestream is not valid for this transfer syntax)`,
        );
      const bytes = decoder.getDecodedBuffer();
      const wide = info.bitsPerSample > 8;
      const n = info.width * info.height * info.componentCount;
      if (bytes.length < n * (wide ? 2 : 1))
        throw new CodecError(`${spec[0]} returned ${bytes.length} bytes for ${n} samples`);
      // Copy out of the WASM heap (it is reused by the next decode).
      const samples = wide
        ? new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n * 2))
        : bytes.slice(0, n);
      return {
        samples,
        width: info.width,
        height: info.height,
        components: info.componentCount,
        bitsPerSample: info.bitsPerSample,
      };
    } finally {
      decoder.delete?.();
    }
  });
}

function decodeLossless(frame: Uint8Array, bitsAllocated: number): DecodedSamples {
  if (!losslessCtor) {
    const mod = require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
    losslessCtor = mod.Decoder;
  }
  const Ctor = losslessCtor;
  return silenced(() => {
    const decoder = new Ctor();
    // A copy with its own ArrayBuffer (frame may be a view into a pooled Node Buffer).
    const copy = new Uint8Array(frame);
    let out: Uint8Array | Uint16Array;
    try {
      out = decoder.decode(copy.buffer, 0, copy.length, bitsAllocated > 8 ? 2 : 1);
    } catch (e) {
      throw new CodecError(`jpeg-lossless-decoder-js failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const width = decoder.xDim ?? 0;
    const height = decoder.yDim ?? 0;
    const components = decoder.numComp ?? 1;
    if (!width || !height || out.length < width * height * components)
      throw new CodecError('jpeg-lossless-decoder-js decoded no image');
    return { samples: out, width, height, components, bitsPerSample: decoder.precision ?? bitsAllocated };
  });
}

/**
 * Decodes one compressed frame. Throws {@link CodecUnsupportedError} for codestreams no
 * available codec handles and {@link CodecError} for corrupt data.
 */
export async function decodeCompressedFrame(
  encoding: PixelEncoding,
  frame: Uint8Array,
  bitsAllocated: number,
): Promise<DecodedSamples> {
  switch (encoding) {
    case 'jpeg-baseline':
    case 'jpeg-extended': {
      const precision = jpegPrecision(frame);
      if (precision !== undefined && precision > 8)
        throw new CodecUnsupportedError(`${precision}-bit JPEG: no npm codec decodes 12-bit lossy JPEG`);
      return decodeWasm(encoding, frame);
    }
    case 'jpeg-lossless':
      return decodeLossless(frame, bitsAllocated);
    case 'jpeg-ls':
    case 'jpeg2000':
    case 'htj2k':
      return decodeWasm(encoding, frame);
    default:
      throw new CodecUnsupportedError(`no decoder for ${encoding}`);
  }
}

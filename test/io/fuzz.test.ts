/**
 * Hostile and broken files: every input (the fixed hostile list, then seeded mutations of the bundled
 * DICOM files, series, NIfTI, .npy and XNAT scan zips) is an image or one of our typed errors naming
 * the file, within a time and peak-RSS bound (each read in a child process, see
 * test/support/fuzz/campaign.ts). `benchmarks/fuzz-campaign.ts` runs the same for minutes.
 */
import { gzipSync } from 'node:zlib';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ImageReadError } from '../../src/errors.js';
import { readNifti } from '../../src/io/nifti/nifti-reader.js';
import { PydicomReader } from '../../src/io/dicom/pydicom-reader.js';
import { readMaybeGzip } from '../../src/io/read-file.js';
import { type CampaignRecord, hostileCount, runFuzzCampaign } from '../support/fuzz/campaign.js';

const RANDOM_INPUTS = 200;

describe('fuzzing the readers', () => {
  const records: CampaignRecord[] = [];
  let summary: Awaited<ReturnType<typeof runFuzzCampaign>>;
  let hostile = 0;
  beforeAll(async () => {
    hostile = await hostileCount();
    summary = await runFuzzCampaign({
      seed: 20261207,
      count: hostile + RANDOM_INPUTS,
      timeoutMs: 10_000,
      rssLimitMb: 1200,
      onResult: (r) => records.push(r),
    });
  }, 120_000);

  it('turns every input into an image or a typed error naming the file, without hangs or memory bombs', () => {
    expect(summary.inputs).toBe(hostile + RANDOM_INPUTS);
    expect(summary.failures.map((f) => `#${f.index} ${f.outcome}: ${f.description} => ${f.detail}`)).toEqual(
      [],
    );
    // The mutations are not all fatal: both outcomes occur.
    expect(summary.images).toBeGreaterThan(RANDOM_INPUTS / 10);
    expect(summary.typed).toBeGreaterThan(RANDOM_INPUTS / 10);
  });

  it('refuses each hostile file for its real reason', () => {
    const by = (d: string): CampaignRecord => {
      const r = records.find((x) => x.index < hostile && x.description === d);
      if (!r) throw new Error(`no hostile input '${d}'`);
      return r;
    };
    const typed = (d: string, reason: RegExp): void => {
      const r = by(d);
      expect(r.outcome, d).toBe('typed');
      expect(r.detail, d).toMatch(reason);
    };
    typed('NumberOfFrames 2147483647 in a small file', /ImageReadError.*NumberOfFrames 2147483647.*need/);
    typed('NumberOfFrames 2147483647, RLE (encapsulated)', /ImageReadError.*fragment/);
    typed('Rows = Columns = 65535, 32 bytes of pixel data', /ImageReadError.*Rows 65535.*need \d+ bytes/);
    typed('Rows = Columns = 65535, RLE (encapsulated)', /ImageReadError/);
    typed('deflated dataset that inflates to 64 MiB (deflate bomb)', /does not inflate to a DICOM dataset/);
    typed('quaternion norm > 1', /ImageReadError.*norm > 1/);
    typed('.nii: header declares 32767³ int16 in a 352-byte file', /ImageReadError.*maxDecompressedBytes/);
    typed('.nii.gz: header declares 32767³ int16, 64 MiB stream', /ImageReadError.*maxDecompressedBytes/);
    typed(".npy shape ('a', 2)", /ImageReadError.*entry 'a', not a non-negative integer/);
    typed('.npy shape (-1,)', /ImageReadError.*entry -1, not a non-negative integer/);
    typed('scan zip, entry named ../../evil.dcm', /ZipUnsafeEntryError/);
    // A small header in front of a gzip bomb: inflated only as far as the header declares.
    const bomb = by('.nii.gz: 4×4×4 header, stream inflates to 64 MiB');
    expect(bomb.outcome).toBe('image');
    expect(bomb.ms).toBeLessThan(2000);
  });
});

describe('bounded decompression', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csc-bounded-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maxDecompressedBytes lowers the ceiling of a .nii.gz and of a DICOM series, and is checked', async () => {
    const nii = 'test/golden/inputs/synthetic/syn_phantom.nii.gz';
    const img = await readNifti(nii);
    await expect(readNifti(nii, { maxDecompressedBytes: 1000 })).rejects.toThrow(
      /declares.*more than the 1000 bytes allowed.*maxDecompressedBytes/,
    );
    await expect(readNifti(nii, { maxDecompressedBytes: -1 })).rejects.toBeInstanceOf(ConfigError);
    expect(img.data.length).toBeGreaterThan(1000);
    const series = 'test/fixtures/dicom/pydicom/series/CT5N';
    await expect(new PydicomReader({ maxDecompressedBytes: 1000 }).read(series)).rejects.toThrow(
      /more than the 1000 bytes allowed; .*maxDecompressedBytes/,
    );
    expect((await new PydicomReader().read(series)).shape.length).toBe(3);
  });

  it('a corrupt or bomb gzip stream rejects the await (nothing is thrown from a stream listener)', async () => {
    const corrupt = join(dir, 'corrupt.gz');
    const good = gzipSync(new Uint8Array(1 << 20));
    const bad = Uint8Array.from(good);
    bad[bad.length >> 1]! ^= 0xff;
    await writeFile(corrupt, bad);
    await expect(readMaybeGzip(corrupt)).rejects.toBeInstanceOf(ImageReadError);
    const bomb = join(dir, 'bomb.gz');
    await writeFile(bomb, good);
    await expect(readMaybeGzip(bomb, { maxDecompressedBytes: 1 << 16 })).rejects.toThrow(
      /inflates to more than the 65536 bytes allowed/,
    );
    expect((await readMaybeGzip(bomb)).length).toBe(1 << 20);
  });

  it('gzip files read one after another and side by side reuse read buffers without mixing bytes', async () => {
    const contents = [300_000, 120_000, 310_000, 5].map((n, f) =>
      Uint8Array.from({ length: n }, (_, i) => (i * (f + 3) + f) % 253),
    );
    const files = await Promise.all(
      contents.map(async (c, f) => {
        const file = join(dir, `reuse${f}.gz`);
        await writeFile(file, gzipSync(c));
        return file;
      }),
    );
    const plain = join(dir, 'reuse-plain.bin');
    await writeFile(plain, contents[1]!);
    const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
    for (const f of [0, 1, 2, 3, 0, 2, 1])
      expect(same(await readMaybeGzip(files[f]!), contents[f]!)).toBe(true);
    const corrupt = join(dir, 'reuse-corrupt.gz');
    const bad = gzipSync(contents[0]!);
    bad[bad.length >> 1]! ^= 0xff;
    await writeFile(corrupt, bad);
    await expect(readMaybeGzip(corrupt)).rejects.toBeInstanceOf(ImageReadError);
    const together = await Promise.all([...files, plain, ...files].map((f) => readMaybeGzip(f)));
    const expected = [...contents, contents[1]!, ...contents];
    together.forEach((got, i) => expect(same(got, expected[i]!)).toBe(true));
  });

  it('a two-member gzip file (ISIZE of the last member only) inflates whole, in several chunks', async () => {
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251);
    const file = join(dir, 'two-members.gz');
    await writeFile(
      file,
      Buffer.concat([gzipSync(bytes.subarray(0, 250_000)), gzipSync(bytes.subarray(250_000))]),
    );
    expect(Buffer.from(await readMaybeGzip(file)).equals(Buffer.from(bytes))).toBe(true);
  });
});

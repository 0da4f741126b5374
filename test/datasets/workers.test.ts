import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader, Dataset } from '../../datasets/index.js';
import { DatasetError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import {
  Compose,
  EnsureChannelFirstd,
  Lambdad,
  LoadImaged,
  RandFlipd,
  RandGaussianNoised,
  RandSpatialCropd,
  ScaleIntensityd,
  ToTensord,
} from '../../transforms/index.js';
import { inheritedExecArgv } from '../../datasets/worker-pool.js';
import { startPool, workerSource } from '../../datasets/split-runner.js';
import { workerScript } from '../../datasets/worker-script.js';
import { RandCropd } from './support/rand-transforms.js';
import { niftiItems } from './support/data.js';

// numWorkers without a transformModule: the package's transforms cross to worker threads by their
// description; what cannot cross (Lambdad, functions, users' classes) runs on the main thread.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const loaders: DataLoader[] = [];
afterAll(async () => {
  await Promise.all(loaders.map((l) => l.close()));
});

const keys = ['image'];
const double = (x: MetaImage): MetaImage => x.clone({ data: x.data.map((v) => v * 2) });

/** A pipeline with a Lambdad in its cached head and a bare function at its tail. */
function lambdaPipeline(): Compose {
  return new Compose([
    new LoadImaged({ keys }),
    new Lambdad({ keys, func: double }),
    new EnsureChannelFirstd({ keys }),
    new ScaleIntensityd({ keys }),
    new RandSpatialCropd({ keys, roiSize: [8, 8, 6], randomSize: false }),
    new RandFlipd({ keys, prob: 0.5, spatialAxis: 0 }),
    new RandGaussianNoised({ keys, prob: 1, std: 0.1 }),
    new ToTensord({ keys }),
    (d: Record<string, unknown>) => ({ ...d, tail: 1 }),
  ]);
}

async function epochs(loader: DataLoader, n: number): Promise<number[][]> {
  const out: number[][] = [];
  for (let e = 0; e < n; e++)
    for await (const batch of loader) {
      out.push(Array.from(await batch.image!.data()), Array.from(await batch.id!.data()));
      expect(Array.from(await batch.tail!.data())).toEqual(batch.id!.shape[0] === 2 ? [1, 1] : [1]);
      batch.dispose();
    }
  return out;
}

describe('numWorkers without transformModule', () => {
  it('runs a pipeline with a Lambdad in worker threads with the same batches as numWorkers 0', async () => {
    const before = tf.memory().numTensors;
    const data = niftiItems(5);
    const opts = { batchSize: 2, shuffle: true, seed: 11 };
    const ds = new Dataset({ data, transform: lambdaPipeline() });
    const nw0 = await epochs(new DataLoader(ds, opts), 2);
    const nw2 = new DataLoader(ds, { ...opts, numWorkers: 2 });
    loaders.push(nw2);
    expect(nw2.usesWorkerThreads).toBe(true);
    // Lambdad (step 1) and the bare function (step 8) stay on the main thread
    expect(nw2.workerSteps).toEqual({ start: 2, end: 8 });
    expect(await epochs(nw2, 2)).toEqual(nw0);

    // cached: the build's workers run EnsureChannelFirstd and ScaleIntensityd, the loader's the rest
    const cached = await CacheDataset.create({
      data,
      transform: lambdaPipeline(),
      numWorkers: 2,
      progress: false,
    });
    const plain = await CacheDataset.create({ data, transform: lambdaPipeline(), progress: false });
    for (let i = 0; i < data.length; i++) {
      const a = (await cached.fetchForLoader(i)).item as { image: MetaImage };
      const b = (await plain.fetchForLoader(i)).item as { image: MetaImage };
      expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
      expect(a.image.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
    const fromCache = new DataLoader(cached, { ...opts, numWorkers: 2 });
    loaders.push(fromCache);
    expect(await epochs(fromCache, 2)).toEqual(nw0);
    await nw2.close();
    await fromCache.close();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses at construction a pipeline no step of which can run in a worker, naming the steps', async () => {
    const ds = new Dataset({
      data: niftiItems(2),
      transform: new Compose([
        new Lambdad({ keys, func: double }),
        new RandCropd({ keys, roiSize: [4, 4, 4] }),
        (d: unknown) => d,
      ]),
    });
    const make = () => new DataLoader(ds, { numWorkers: 2 });
    expect(make).toThrow(DatasetError);
    expect(make).toThrow(
      /no step of the pipeline can run in one: step 0 \(Lambdad option 'func' is a function\); step 1 \(RandCropd is not one of the package's transforms\); step 2 \(a plain function\).*transformModule.*numWorkers: 0/,
    );
    // numWorkers 0 (the default) runs it on the main thread, as MONAI
    expect(() => new DataLoader(ds)).not.toThrow();
    // the cached prefix of a CacheDataset is planned alone: here it is only the Lambdad
    await expect(
      CacheDataset.create({ data: niftiItems(2), transform: ds.transform, numWorkers: 2, progress: false }),
    ).rejects.toThrow(/no step of the cached part of the pipeline can run in one: step 0 \(Lambdad/);
  });

  it('starts no thread by default and reads cached items without copying when later steps do not write', async () => {
    const transform = new Compose([
      new LoadImaged({ keys }),
      new EnsureChannelFirstd({ keys }),
      new RandSpatialCropd({ keys, roiSize: [6, 6, 4], randomSize: false }),
      new RandFlipd({ keys, prob: 1, spatialAxis: 1 }),
      new RandGaussianNoised({ keys, prob: 1, std: 1 }),
    ]);
    const ds = await CacheDataset.create({ data: niftiItems(2), transform, progress: false });
    const loader = new DataLoader(ds, { batchSize: 2, seed: 0 });
    expect(loader.usesWorkerThreads).toBe(false);
    const snapshot = async () =>
      Array.from(((await ds.fetchForLoader(0)).item as { image: MetaImage }).image.data);
    const cachedBefore = await snapshot();
    for await (const b of loader) b.dispose();
    expect(await snapshot()).toEqual(cachedBefore); // the package's transforms never write into the cache

    // a Lambdad after the cut that writes in place gets a copy (copyCache), so the cache stays intact
    const writes = new Compose([
      ...transform.transforms.slice(0, 2),
      new RandFlipd({ keys, prob: 1, spatialAxis: 1 }),
      new Lambdad({
        keys,
        func: (x: MetaImage) => {
          x.data.fill(0);
          return x;
        },
      }),
    ]);
    const ds2 = await CacheDataset.create({ data: niftiItems(1), transform: writes, progress: false });
    const before2 = Array.from(((await ds2.fetchForLoader(0)).item as { image: MetaImage }).image.data);
    for await (const b of new DataLoader(ds2, { seed: 0 })) b.dispose();
    expect(Array.from(((await ds2.fetchForLoader(0)).item as { image: MetaImage }).image.data)).toEqual(
      before2,
    );
  });

  it('workers write cached results and prefixes into shared memory themselves (no copy on the main thread)', async () => {
    const transform = new Compose([new LoadImaged({ keys }), new EnsureChannelFirstd({ keys })]);
    const pool = await startPool(transform, workerSource(transform, {}, 'test'), { numWorkers: 1 });
    try {
      const [item] = niftiItems(1);
      const data = async (shareResult: boolean, onPrefix?: (p: unknown) => void) =>
        ((await pool.run({ item, start: 0, shareResult, onPrefix })) as { image: MetaImage }).image.data;
      expect((await data(true)).buffer).toBeInstanceOf(SharedArrayBuffer);
      expect((await data(false)).buffer).toBeInstanceOf(ArrayBuffer); // an epoch's result: moved, not shared
      let prefix: unknown;
      await data(false, (p) => void (prefix = p));
      expect((prefix as { image: MetaImage }).image.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    } finally {
      await pool.close();
    }
  });

  it('runs one bundled JavaScript worker script, without inheriting tsx from the parent', async () => {
    const script = await workerScript();
    expect(script.pathname).toMatch(/\/\.cache\/worker\/worker-entry-[0-9a-f]{16}\.js$/);
    expect(await workerScript()).toBe(script); // bundled once per process
    // the npm packages bundled in carry their licence texts along
    const text = readFileSync(script, 'utf8');
    expect(text).toMatch(/Third-party packages bundled into this file/);
    expect(text).toMatch(/^dicom-parser@\d+\.\d+\.\d+$/m);
    expect(text).toMatch(/Permission is hereby granted/);
    const tsxHooks = [
      '--require',
      '/app/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///app/node_modules/tsx/dist/loader.mjs',
    ];
    expect(
      inheritedExecArgv([...tsxHooks, '--max-old-space-size=4096', '--import=tsx', '-r', 'dotenv/config']),
    ).toEqual(['--max-old-space-size=4096', '-r', 'dotenv/config']);
    // how to run the main entry is not the worker's business
    expect(
      inheritedExecArgv([
        '--input-type',
        'module',
        '-e',
        'code()',
        '--no-warnings',
        '-pe',
        '1',
        '--input-type=commonjs',
        '-i',
      ]),
    ).toEqual(['--no-warnings']);
  });

  it('leaves out the V8 options of the parent that Node refuses in a worker (they apply to it already)', () => {
    // node --max-old-space-size=... train.js with numWorkers: Node refuses that option in a worker's
    // execArgv, so workers given the parent's options as they are would not start
    const script = [
      "const { Compose, LoadImaged } = await import('./transforms/index.ts');",
      "const { startPool, workerSource } = await import('./datasets/split-runner.ts');",
      "const t = new Compose([new LoadImaged({ keys: ['image'] })]);",
      "const pool = await startPool(t, workerSource(t, {}, 'test'), { numWorkers: 2 });",
      'console.log(`workers ${pool.size}`);',
      'await pool.close();',
    ].join('\n');
    const r = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=3000',
        '--stack-trace-limit=20',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ],
      { cwd: fileURLToPath(new URL('../../', import.meta.url)), encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('workers 2');
  });

  it('refuses V8 options given as workerExecArgv, saying where they go', async () => {
    const transform = new Compose([new LoadImaged({ keys })]);
    const start = startPool(transform, workerSource(transform, {}, 'test'), {
      numWorkers: 1,
      execArgv: ['--max-old-space-size=3000'],
    });
    await expect(start).rejects.toThrow(DatasetError);
    await expect(start).rejects.toThrow(
      /cannot take --max-old-space-size=3000 in their execArgv.*give them to node itself/,
    );
  });

  it('deletes bundles of other sources unused for an hour, and keeps recent ones', () => {
    const dir = fileURLToPath(new URL('../../.cache/worker/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const stale = join(dir, 'worker-entry-0000000000000000.js');
    const recent = join(dir, 'worker-entry-1111111111111111.js');
    const other = join(dir, 'notes.txt');
    for (const f of [stale, recent, other]) writeFileSync(f, '// test\n');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    utimesSync(other, twoHoursAgo, twoHoursAgo);
    try {
      // a fresh process: this one has bundled already
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '-e', "await (await import('./datasets/worker-script.ts')).workerScript()"],
        { cwd: fileURLToPath(new URL('../../', import.meta.url)), encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(recent)).toBe(true);
      expect(existsSync(other)).toBe(true); // not a bundle: left alone
    } finally {
      for (const f of [stale, recent, other]) rmSync(f, { force: true });
    }
  });
});

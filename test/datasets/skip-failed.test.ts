/**
 * One bad file among many: with `skipFailed`, a CacheDataset build (main thread and worker threads)
 * and every DataLoader epoch go on without it, and say which item and file failed and why.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader, DatasetBuildError } from '../../datasets/index.js';
import { ImageReadError } from '../../src/errors.js';
import createPipeline from './support/pipeline-module.js';
import { NIFTI_FILES } from './support/data.js';

const PIPELINE_MODULE = new URL('./support/pipeline-module.ts', import.meta.url);

let dir: string;
let data: { image: string; id: number }[];
const BAD = [3, 8];

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'csc-skip-'));
  const good = NIFTI_FILES.slice(0, 3);
  const truncated = join(dir, 'truncated.nii.gz');
  const raw = await readFile(good[0]!);
  await writeFile(truncated, raw.subarray(0, raw.length >> 1));
  const bomb = join(dir, 'bomb.nii.gz');
  // A 4×4×4 header declaring 2^31 - 1 slices, then a stream of zeros.
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  [3, 4, 4, 32767].forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  h.writeInt16LE(64, 70);
  h.writeInt16LE(64, 72);
  h.writeFloatLE(352, 108);
  h.write('n+1\0', 344, 'latin1');
  await writeFile(bomb, gzipSync(Buffer.concat([h, Buffer.alloc(1 << 20)])));
  data = Array.from({ length: 10 }, (_, i) => ({
    image: i === BAD[0] ? truncated : i === BAD[1] ? bomb : good[i % good.length]!,
    id: i,
  }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('skipFailed', () => {
  it('builds a CacheDataset without the bad files, on the main thread and in worker threads', async () => {
    await expect(
      CacheDataset.create({ data, transform: createPipeline(), progress: false }),
    ).rejects.toBeInstanceOf(DatasetBuildError);
    for (const transformModule of [undefined, PIPELINE_MODULE]) {
      const ds = await CacheDataset.create({
        data,
        transform: createPipeline(),
        progress: false,
        skipFailed: true,
        numWorkers: 2,
        ...(transformModule ? { transformModule } : {}),
      });
      expect(ds.length).toBe(8);
      expect(ds.failures.map((f) => f.index)).toEqual(BAD);
      expect(ds.failures[0]!.source).toContain('truncated.nii.gz');
      expect(ds.failures[0]!.error.message).toMatch(/truncated/);
      expect(ds.failures[1]!.source).toContain('bomb.nii.gz');
      expect(ds.failures[1]!.error.message).toMatch(/need \d+ bytes of voxel data|truncated/);
    }
  });

  it('finishes every epoch without the bad items, naming them, when the loader skips failures', async () => {
    // Half the items are cached; the rest (bad ones included) load every epoch.
    const ds = await CacheDataset.create({
      data,
      transform: createPipeline(),
      progress: false,
      cacheRate: 0.2,
    });
    const strict = new DataLoader(ds, { batchSize: 3, seed: 1 });
    const before = tf.memory().numTensors;
    const stop = async (): Promise<void> => {
      for await (const b of strict) (b as { dispose(): void }).dispose();
    };
    await expect(stop()).rejects.toThrow(/item 3 \(.*truncated\.nii\.gz.*\)/);
    const loader = new DataLoader(ds, {
      batchSize: 3,
      shuffle: true,
      seed: 1,
      skipFailed: true,
      numWorkers: 2,
    });
    for (let epoch = 0; epoch < 3; epoch++) {
      let items = 0;
      for await (const batch of loader) {
        items += (batch.image as tf.Tensor).shape[0]!;
        (batch as { dispose(): void }).dispose();
      }
      expect(items).toBe(8);
    }
    expect(loader.failures.map((f) => [f.epoch, f.index]).sort()).toEqual(
      [0, 1, 2].flatMap((e) => BAD.map((i) => [e, i])).sort(),
    );
    const f = loader.failures.find((x) => x.index === 3)!;
    expect(f.source).toContain('truncated.nii.gz');
    expect(f.error.cause ?? f.error).toBeInstanceOf(Error);
    expect(String(f.error.message)).toMatch(/truncated/);
    expect(findCause(f.error)).toBeInstanceOf(ImageReadError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

function findCause(e: unknown): unknown {
  let x = e;
  while (x instanceof Error && !(x instanceof ImageReadError) && x.cause !== undefined) x = x.cause;
  return x;
}

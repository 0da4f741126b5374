import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataLoader, LruCacheDataset, SmartCacheDataset, padListDataCollate } from '../../datasets/index.js';
import { itemByteLength } from '../../datasets/item-values.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { RandomState } from '../../src/random/index.js';
import { Compose } from '../../transforms/compose.js';
import { EnsureChannelFirstd } from '../../transforms/utility/ensure-channel-first.js';
import { LoadImaged } from '../../transforms/io/load-image.js';
import createPipeline from './support/pipeline-module.js';
import { Countd, RandOffsetd } from './support/rand-transforms.js';
import { NIFTI_FILES, niftiItems } from './support/data.js';

const PIPELINE_MODULE = new URL('./support/pipeline-module.ts', import.meta.url);

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  Countd.calls = 0;
});

const counted = (): Compose =>
  new Compose([
    new LoadImaged({ keys: ['image'] }),
    new EnsureChannelFirstd({ keys: ['image'] }),
    new Countd(),
    new RandOffsetd({ keys: ['image'] }),
  ]);

/** Bytes of the cached prefix output of syn_phantom (36·32·24 float32 + affine + meta). */
async function phantomBytes(): Promise<number> {
  const t = counted();
  const x = await t.apply({ image: NIFTI_FILES[0], id: 0 }, { end: 3 });
  Countd.calls = 0;
  return itemByteLength(x);
}

describe('LruCacheDataset', () => {
  it('caches by bytes and evicts the least recently used item', async () => {
    const one = await phantomBytes();
    expect(one).toBeGreaterThan(36 * 32 * 24 * 4);
    const data = [0, 1, 2].map((id) => ({ image: NIFTI_FILES[0]!, id }));
    const ds = new LruCacheDataset({ data, transform: counted(), maxBytes: Math.floor(2.5 * one) });
    await ds.get(0);
    await ds.get(1);
    expect(ds.cachedCount).toBe(2);
    expect(ds.cachedBytes).toBeLessThanOrEqual(ds.maxBytes);
    await ds.get(0); // refresh 0: 1 is now least recently used
    expect(Countd.calls).toBe(2);
    await ds.get(2); // evicts 1
    expect(ds.has(1)).toBe(false);
    expect(ds.has(0)).toBe(true);
    expect(ds.stats).toEqual({ hits: 1, misses: 3, evictions: 1, tooLarge: 0 });
    await ds.get(1);
    expect(Countd.calls).toBe(4);
    expect(ds.cachedBytes).toBeLessThanOrEqual(ds.maxBytes);
  });

  it('never holds more than its budget: items larger than it are computed, not cached', async () => {
    const ds = new LruCacheDataset({ data: niftiItems(2), transform: counted(), maxBytes: 1000 });
    const x = (await ds.get(0)) as { image: MetaImage };
    expect(x.image.shape).toEqual([1, 36, 32, 24]);
    expect(ds.cachedCount).toBe(0);
    expect(ds.stats.tooLarge).toBe(1);
    expect(() => new LruCacheDataset({ data: [], maxBytes: 0 })).toThrow(
      /maxBytes must be a positive number/,
    );
  });

  it('feeds a DataLoader, filled on the first epoch, with the same batches for 0 and 2 workers', async () => {
    const data = niftiItems(5);
    const mk = (): LruCacheDataset =>
      new LruCacheDataset({ data, transform: createPipeline(), maxBytes: 64 * 2 ** 20 });
    const a = mk();
    const b = mk();
    const l0 = new DataLoader(a, { batchSize: 2, seed: 9, shuffle: true });
    const l2 = new DataLoader(b, {
      batchSize: 2,
      seed: 9,
      shuffle: true,
      numWorkers: 2,
      transformModule: PIPELINE_MODULE,
    });
    const run = async (l: DataLoader): Promise<number[][]> => {
      const out: number[][] = [];
      for await (const batch of l) {
        out.push(Array.from(await (batch.image as tf.Tensor).data()));
        batch.dispose();
      }
      return out;
    };
    try {
      for (let e = 0; e < 2; e++) expect(await run(l2)).toEqual(await run(l0));
      expect(a.cachedCount).toBe(5);
      expect(b.cachedCount).toBe(5);
      expect(b.stats.hits).toBe(5);
    } finally {
      await l2.close();
    }
  });
});

describe('SmartCacheDataset', () => {
  it('slides a window of cached items over the shuffled data, replacing in the background', async () => {
    const data = niftiItems(7);
    const ds = await SmartCacheDataset.create({
      data,
      transform: counted(),
      cacheNum: 4,
      replaceRate: 0.5,
      seed: 3,
      progress: false,
    });
    const order = data.map((_, i) => i);
    new RandomState(3).shuffle(order);
    expect(ds.length).toBe(4);
    expect(ds.replaceNum).toBe(2);
    expect(ds.window).toEqual([0, 1, 2, 3]);
    expect(((await ds.get(0)) as { id: number }).id).toBe(order[0]);
    expect(Countd.calls).toBe(4);
    ds.start();
    await ds.updateCache();
    expect(ds.window).toEqual([2, 3, 4, 5]);
    expect(((await ds.get(3)) as { id: number }).id).toBe(order[5]);
    await ds.updateCache();
    expect(ds.window).toEqual([4, 5, 6, 0]); // wraps round the data
    expect(Countd.calls).toBeGreaterThanOrEqual(4 + 2 + 2); // (the next replacement is already being prepared)
    expect(Countd.calls).toBeLessThanOrEqual(4 + 2 + 2 + 2);
    ds.shutdown();
    const loader = new DataLoader(ds, { batchSize: 4, seed: 0, collate: padListDataCollate });
    for await (const b of loader) {
      expect(Array.from(await (b.id as tf.Tensor).data())).toEqual([4, 5, 6, 0].map((i) => order[i]));
      b.dispose();
    }
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, DataLoader } from '../../datasets/index.js';
import createPipeline from './support/pipeline-module.js';
import { niftiItems } from './support/data.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DataLoader.toTfDataset', () => {
  it('trains a tfjs model with fitDataset on real volumes without leaking tensors', async () => {
    const data = niftiItems(6).map((d) => ({ ...d, target: d.id / 10 }));
    const ds = await CacheDataset.create({
      data,
      transform: createPipeline({ roi: [4, 4, 4] }),
      progress: false,
    });
    const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0 });
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [4, 4, 4, 1] }), tf.layers.dense({ units: 1 })],
    });
    model.compile({ optimizer: tf.train.sgd(1e-6), loss: 'meanSquaredError' });
    const tfds = loader.toTfDataset({ xs: 'image', ys: 'target' });
    expect(tfds.size).toBe(3);
    const h1 = await model.fitDataset(tfds, { epochs: 1, verbose: 0 });
    const after1 = tf.memory().numTensors;
    const h3 = await model.fitDataset(tfds, { epochs: 3, verbose: 0 });
    expect(tf.memory().numTensors).toBe(after1);
    expect(h1.history.loss).toHaveLength(1);
    expect(h3.history.loss).toHaveLength(3);
    expect(Number.isFinite(h3.history.loss![2] as number)).toBe(true);
    expect(loader.epoch).toBe(4);
    model.dispose();
  });

  it('is a tf.data.Dataset: map, prefetch and take work on it without leaking', async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(6),
      transform: createPipeline({ roi: [4, 4, 4] }),
      progress: false,
    });
    const loader = new DataLoader(ds, { batchSize: 2, seed: 0 });
    const tfds = loader.toTfDataset({ xs: 'image', ys: 'id' });
    expect(tfds).toBeInstanceOf(tf.data.Dataset);
    const before = tf.memory().numTensors;
    const scaled = tfds
      .map((b) => ({ xs: tf.mul(b.xs as tf.Tensor, 2), ys: b.ys }))
      .prefetch(1)
      .take(2);
    const seen: number[][] = [];
    await scaled.forEachAsync((b) => {
      seen.push((b.xs as tf.Tensor).shape);
      tf.dispose(b as unknown as tf.TensorContainer);
    });
    expect(seen).toEqual([
      [2, 4, 4, 4, 1],
      [2, 4, 4, 4, 1],
    ]);
    expect(tf.memory().numTensors).toBe(before);
    // the same batches as the loader, through toArray
    const all = await tfds.take(3).toArray();
    expect(all.map((b) => Array.from((b.ys as tf.Tensor).dataSync()))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    tf.dispose(all as unknown as tf.TensorContainer);
    // take stopped the epoch without telling it; the next iterator() closes it and its prepared batches
    await tfds.iterator();
    await new Promise((res) => setTimeout(res, 50));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('picks lists and named inputs, and explains a missing key', async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(2),
      transform: createPipeline({ roi: [4, 4, 4] }),
      progress: false,
    });
    const loader = new DataLoader(ds, { batchSize: 2, seed: 0 });
    const before = tf.memory().numTensors;
    const it1 = await loader.toTfDataset({ xs: { scan: 'image' }, ys: ['id'] }).iterator();
    const r = await it1.next();
    const v = r.value as { xs: Record<string, tf.Tensor>; ys: tf.Tensor[] };
    expect(v.xs.scan!.shape).toEqual([2, 4, 4, 4, 1]);
    expect(v.ys[0]!.shape).toEqual([2]);
    tf.dispose([v.xs.scan!, ...v.ys]);
    expect((await it1.next()).done).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const bad = await loader.toTfDataset({ xs: 'image', ys: 'label' }).iterator();
    await expect(bad.next()).rejects.toThrow(
      /ys key 'label' is not in the batch \(batch keys: image, image_meta_dict, id\)/,
    );
    await new Promise((res) => setTimeout(res, 20));
    expect(tf.memory().numTensors).toBe(before);
  });
});

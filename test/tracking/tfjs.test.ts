import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/tracking/file-store.js';
import { startRun } from '../../src/tracking/start-run.js';
import { mlflowCallback } from '../../src/tracking/tfjs-callback.js';
import { loadModelArtifacts, modelLoadHandler } from '../../src/tracking/tfjs-model.js';

let dir: string;
let store: FileStore;

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'csc-tfjs-'));
  store = new FileStore(join(dir, 'mlruns'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function makeModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

function data(n: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return tf.tidy(() => {
    const xs = tf.randomUniform([n, 4], -1, 1, 'float32', 7) as tf.Tensor2D;
    const ys = tf.cast(tf.greater(tf.sum(xs, 1, true), 0), 'float32') as tf.Tensor2D;
    return { xs, ys };
  });
}

describe('mlflowCallback', () => {
  it('logs loss, accuracy and validation metrics per epoch from model.fit', async () => {
    const run = await startRun({
      store,
      experimentName: 'tfjs',
      gitTags: false,
      env: {},
      flushIntervalMs: 0,
    });
    const model = makeModel();
    const { xs, ys } = data(64);
    const history = await model.fit(xs, ys, {
      epochs: 3,
      batchSize: 16,
      validationSplit: 0.25,
      callbacks: [mlflowCallback(run)],
      verbose: 0,
    });
    await run.end();
    const got = await store.getRun(run.id);
    expect(got.data.metrics.map((m) => m.key).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    const loss = await store.getMetricHistory(run.id, 'loss');
    expect(loss.map((m) => m.step)).toEqual([0, 1, 2]);
    expect(loss.map((m) => m.value)).toEqual(history.history.loss);
    expect(loss.every((m) => Number.isFinite(m.value))).toBe(true);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('every N batches: batch metrics at the global batch step, validation metrics at epoch ends', async () => {
    const run = await startRun({
      store,
      experimentName: 'tfjs',
      gitTags: false,
      env: {},
      flushIntervalMs: 0,
    });
    const model = makeModel();
    const { xs, ys } = data(64);
    // 48 training samples / batch 8 = 6 batches per epoch, 2 epochs = 12 batches; every 4 → steps 4, 8, 12
    await model.fit(xs, ys, {
      epochs: 2,
      batchSize: 8,
      validationSplit: 0.25,
      callbacks: mlflowCallback(run, { every: 4, prefix: 'train/' }),
      verbose: 0,
    });
    await run.end();
    expect((await store.getMetricHistory(run.id, 'train/loss')).map((m) => m.step)).toEqual([4, 8, 12]);
    expect((await store.getMetricHistory(run.id, 'train/val_loss')).map((m) => m.step)).toEqual([6, 12]);
    expect((await store.getRun(run.id)).data.metrics.map((m) => m.key)).not.toContain('train/batch');
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('works with fitDataset and rejects a bad `every`', async () => {
    const run = await startRun({
      store,
      experimentName: 'tfjs',
      gitTags: false,
      env: {},
      flushIntervalMs: 0,
    });
    const model = makeModel();
    const { xs, ys } = data(32);
    const ds = tf.data.zip({ xs: tf.data.array(xs.arraySync()), ys: tf.data.array(ys.arraySync()) }).batch(8);
    await model.fitDataset(ds, { epochs: 2, callbacks: [mlflowCallback(run, { every: 'batch' })] });
    await run.end();
    expect((await store.getMetricHistory(run.id, 'loss')).map((m) => m.step)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(() => mlflowCallback(run, { every: -1 })).toThrow(/every must be/);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

describe('run.logModel', () => {
  it('writes model.json + weights.bin + MLmodel and loads back to the same predictions', async () => {
    const before = tf.memory().numTensors;
    const run = await startRun({
      store,
      experimentName: 'tfjs',
      gitTags: false,
      env: {},
      flushIntervalMs: 0,
    });
    const model = makeModel();
    const { xs, ys } = data(32);
    await model.fit(xs, ys, { epochs: 1, verbose: 0 });
    const logged = await run.logModel(model);
    expect(logged.files).toEqual(['model/model.json', 'model/weights.bin', 'model/MLmodel']);
    const root = join(await store.runDir(run.id), 'artifacts', 'model');
    const json = JSON.parse(await readFile(join(root, 'model.json'), 'utf8')) as {
      format: string;
      weightsManifest: { paths: string[]; weights: { name: string }[] }[];
      modelTopology: object;
    };
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0]?.paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0]?.weights.length).toBe(4);
    const weights = await readFile(join(root, 'weights.bin'));
    expect(weights.length).toBe(4 * (4 * 8 + 8 + 8 * 1 + 1));
    expect(logged.weightBytes).toBe(weights.length);
    const mlmodel = await readFile(join(root, 'MLmodel'), 'utf8');
    expect(mlmodel).toMatch(/^artifact_path: model\nflavors:\n {2}tfjs:\n {4}format: layers-model\n/);
    expect(mlmodel).toContain(`run_id: ${run.id}`);
    expect(mlmodel).toMatch(/tfjs_version: \d+\.\d+\.\d+/);

    const loaded = await tf.loadLayersModel(modelLoadHandler(run.artifacts));
    const a = model.predict(xs) as tf.Tensor;
    const b = loaded.predict(xs) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    const fromMemory = await tf.loadLayersModel(
      tf.io.fromMemory(await loadModelArtifacts(run.artifacts, 'model')),
    );
    expect(fromMemory.layers.length).toBe(2);
    await run.end();
    const history = JSON.parse(
      (await store.getRun(run.id)).data.tags.find((t) => t.key === 'mlflow.log-model.history')?.value ?? '[]',
    ) as { artifact_path: string; flavors: object }[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      artifact_path: 'model',
      flavors: { tfjs: { format: 'layers-model' } },
    });
    tf.dispose([a, b, xs, ys]);
    model.optimizer.dispose(); // adam's moment variables are not owned by the model
    model.dispose();
    loaded.dispose();
    fromMemory.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects something that is not a model', async () => {
    const run = await startRun({ store, gitTags: false, env: {}, flushIntervalMs: 0 });
    await expect(run.logModel({} as never)).rejects.toThrow(/save\(\) method/);
    await run.end();
  });
});

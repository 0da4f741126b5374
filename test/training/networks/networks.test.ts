import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun } from '../../../src/tracking/index.js';
import {
  BasicUNet,
  InstanceNormalization,
  UNet,
  loadCheckpoint,
  saveCheckpoint,
} from '../../../training/networks/index.js';
import { TrainingError } from '../../../training/training-error.js';

const trainable = (m: tf.LayersModel) =>
  m.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b as number), 1), 0);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('UNet', () => {
  it('maps [B, X, Y, Z, in] to [B, X, Y, Z, out] in 3D and [B, X, Y, in] in 2D', () => {
    const before = tf.memory().numTensors;
    const net3 = new UNet({
      spatialDims: 3,
      inChannels: 1,
      outChannels: 3,
      channels: [4, 8, 16],
      strides: [2, 2],
      numResUnits: 1,
    });
    const net2 = new UNet({
      spatialDims: 2,
      inChannels: 2,
      outChannels: 2,
      channels: [4, 8],
      strides: [2],
      act: 'relu',
      norm: 'batch',
      dropout: 0.1,
    });
    const y3 = tf.tidy(() => net3.predict(tf.ones([2, 8, 12, 16, 1])) as tf.Tensor);
    const y2 = tf.tidy(() => net2.predict(tf.ones([1, 6, 10, 2])) as tf.Tensor);
    expect(y3.shape).toEqual([2, 8, 12, 16, 3]);
    expect(y2.shape).toEqual([1, 6, 10, 2]);
    tf.dispose([y3, y2]);
    net3.dispose();
    net2.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("has MONAI's parameter count for the tutorial network (16..256, strides 2, 2 residual units)", () => {
    const opts = {
      spatialDims: 3 as const,
      inChannels: 1,
      outChannels: 2,
      channels: [16, 32, 64, 128, 256],
      strides: [2, 2, 2, 2],
      numResUnits: 2,
    };
    // 4,808,917 is the count MONAI reports for this UNet with norm=BATCH (spleen tutorial); its 1,218
    // normalised channels carry 2 trainable parameters each, which InstanceNorm (affine=False) does not have
    const batch = new UNet({ ...opts, norm: 'batch' });
    expect(trainable(batch)).toBe(4_808_917);
    batch.dispose();
    const instance = new UNet(opts);
    expect(trainable(instance)).toBe(4_808_917 - 2 * 1218);
    instance.dispose();
  });

  it('refuses options MONAI refuses or we cannot build', () => {
    const base = { spatialDims: 3 as const, inChannels: 1, outChannels: 1, channels: [4, 8], strides: [2] };
    expect(() => new UNet({ ...base, channels: [4] })).toThrow(TrainingError);
    expect(() => new UNet({ ...base, strides: [] })).toThrow(TrainingError);
    expect(() => new UNet({ ...base, act: 'swish' as never })).toThrow(TrainingError);
    expect(() => new UNet({ ...base, adnOrdering: 'NNA' })).toThrow(TrainingError);
  });
});

describe('BasicUNet', () => {
  it("has MONAI's default size: 5,749,410 parameters (features 32, 32, 64, 128, 256, 32, affine instance norm)", () => {
    const net = new BasicUNet();
    // conv_0..down_4 TwoConvs, four UpCats (transposed conv k=2 + TwoConv), final 1×1 conv: summed by hand
    expect(trainable(net)).toBe(5_749_410);
    net.dispose();
  });

  it('handles odd sizes (replicate padding after up-sampling), 2D', () => {
    const net = new BasicUNet({
      spatialDims: 2,
      inChannels: 1,
      outChannels: 3,
      features: [16, 16, 32, 64, 128, 16],
    });
    expect(trainable(net)).toBe(495_939);
    const y = tf.tidy(() => net.predict(tf.randomNormal([1, 35, 29, 1])) as tf.Tensor);
    expect(y.shape).toEqual([1, 35, 29, 3]);
    y.dispose();
    net.dispose();
  });
});

describe('InstanceNormalization', () => {
  it('normalises each sample and channel over the spatial axes (hand computation)', () => {
    const layer = new InstanceNormalization({});
    // one sample, 2×2 image, 2 channels: channel 0 = 1, 2, 3, 4; channel 1 = 10, 10, 10, 30
    const x = tf.tensor4d([1, 10, 2, 10, 3, 10, 4, 30], [1, 2, 2, 2]);
    const y = layer.apply(x) as tf.Tensor;
    const s0 = Math.sqrt(1.25 + 1e-5);
    const s1 = Math.sqrt(75 + 1e-5); // mean 15, deviations -5, -5, -5, 15 → var 75
    const expected = [-1.5 / s0, -5 / s1, -0.5 / s0, -5 / s1, 0.5 / s0, -5 / s1, 1.5 / s0, 15 / s1];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5));
    tf.dispose([x, y]);
  });

  it.each([true, false])('has the gradient of the tf-ops formula (3D, affine %s)', (affine) => {
    const layer = new InstanceNormalization({ affine });
    const x = tf.randomNormal([2, 3, 4, 2, 3], 0, 2, 'float32', 7);
    layer.apply(x); // build
    const values = affine ? [tf.tensor1d([0.5, 2, -1]), tf.tensor1d([0.1, 0.2, 0.3])] : [];
    layer.setWeights(values);
    tf.dispose(values);
    const w = tf.randomNormal(x.shape, 0, 1, 'float32', 8);
    const g = layer.getWeights();
    const reference = (t: tf.Tensor) => {
      const { mean, variance } = tf.moments(t, [1, 2, 3], true);
      const n = tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5)));
      return affine ? tf.add(tf.mul(n, g[0] as tf.Tensor), g[1] as tf.Tensor) : n;
    };
    const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, w)))(x);
    const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(t), w)))(x);
    const a = ours.dataSync();
    const b = ref.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 4);
    if (affine) {
      const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      const gOurs = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar, vars);
      const gRef = tf.variableGrads(() => tf.sum(tf.mul(reference(x), w)) as tf.Scalar, vars);
      for (const v of vars) {
        const p = gOurs.grads[v.name]!.dataSync();
        const q = gRef.grads[v.name]!.dataSync();
        for (let i = 0; i < p.length; i++) expect(p[i]).toBeCloseTo(q[i] as number, 3);
      }
      tf.dispose([gOurs.value, gRef.value, ...Object.values(gOurs.grads), ...Object.values(gRef.grads)]);
    }
    tf.dispose([x, w, ours, ref]);
    layer.dispose();
  });

  it('survives a save/load round trip as a custom layer', async () => {
    const model = tf.sequential({
      layers: [new InstanceNormalization({ inputShape: [4, 4, 2], affine: true, eps: 1e-3 })],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(
        async (a) => (
          (saved = a),
          { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
        ),
      ),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const layer = loaded.layers[0] as InstanceNormalization;
    expect(layer).toBeInstanceOf(InstanceNormalization);
    expect([layer.eps, layer.affine]).toEqual([1e-3, true]);
    model.dispose();
    loaded.dispose();
  });
});

describe('conv3dTranspose gradient (missing in tfjs, registered by csc-mlops/networks)', () => {
  it('agrees with finite differences', () => {
    new UNet({ spatialDims: 3, inChannels: 1, outChannels: 1, channels: [2, 2], strides: [2] }).dispose(); // registers it
    const x = tf.randomNormal([1, 2, 2, 2, 2], 0, 1, 'float32', 1);
    const f = tf.randomNormal([3, 3, 3, 3, 2], 0, 1, 'float32', 2); // [k, k, k, out, in]
    const w = tf.randomNormal([1, 4, 4, 4, 3], 0, 1, 'float32', 3);
    const loss = (xx: tf.Tensor, ff: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv3dTranspose(xx as tf.Tensor5D, ff as tf.Tensor5D, [1, 4, 4, 4, 3], 2, 'same'), w));
    const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b))([x, f]);
    const eps = 1e-2;
    for (const [t, g, which] of [
      [x, gx, 0],
      [f, gf, 1],
    ] as const) {
      const data = t.dataSync().slice();
      for (const i of [0, 5, data.length - 1]) {
        const plus = data.slice();
        const minus = data.slice();
        plus[i]! += eps;
        minus[i]! -= eps;
        const lp = tf.tidy(() => {
          const tp = tf.tensor(plus, t.shape);
          return loss(which === 0 ? tp : x, which === 0 ? f : tp).dataSync()[0] as number;
        });
        const lm = tf.tidy(() => {
          const tm = tf.tensor(minus, t.shape);
          return loss(which === 0 ? tm : x, which === 0 ? f : tm).dataSync()[0] as number;
        });
        expect((g as tf.Tensor).dataSync()[i]).toBeCloseTo((lp - lm) / (2 * eps), 1);
      }
    }
    tf.dispose([x, f, w, gx, gf] as tf.Tensor[]);
  });
});

describe('checkpoints through the tracking run', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'csc-ckpt-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('round-trips weights, Adam state and epoch; a resumed step equals an uninterrupted one', async () => {
    const make = () =>
      new UNet({
        spatialDims: 2,
        inChannels: 1,
        outChannels: 2,
        channels: [4, 8],
        strides: [2],
        numResUnits: 1,
      });
    const model = make();
    const optimizer = tf.train.adam(0.01);
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 4);
    const y = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 5);
    const step = (m: tf.LayersModel, opt: tf.Optimizer) =>
      tf.dispose(
        opt.minimize(
          () => tf.mean(tf.square(tf.sub(m.apply(x) as tf.Tensor, y))) as tf.Scalar,
          true,
          m.trainableWeights.map((w) => w.read() as tf.Variable),
        ) ?? [],
      );
    step(model, optimizer);
    step(model, optimizer);
    const run = await startRun({
      trackingUri: join(root, 'mlruns'),
      experimentName: 'ckpt',
      handleSignals: false,
    });
    await saveCheckpoint(run, { model, optimizer, epoch: 1 });
    const resumedOpt = tf.train.adam(0.01);
    const loaded = await loadCheckpoint(run, { optimizer: resumedOpt });
    await run.end();
    expect(loaded.epoch).toBe(1);
    expect(loaded.optimizerRestored).toBe(true);
    const wa = model.getWeights().map((t) => Array.from(t.dataSync()));
    const wb = loaded.model.getWeights().map((t) => Array.from(t.dataSync()));
    expect(wb).toEqual(wa);
    step(model, optimizer);
    step(loaded.model, resumedOpt);
    const after = model.getWeights().map((t) => Array.from(t.dataSync()));
    const afterResumed = loaded.model.getWeights().map((t) => Array.from(t.dataSync()));
    after.forEach((w, i) => w.forEach((v, j) => expect(afterResumed[i]![j]).toBeCloseTo(v, 6)));
    // the same step from the loaded weights with a fresh Adam (no moments, step 1) lands elsewhere
    const fresh = await loadCheckpoint(run.artifacts);
    const freshOpt = tf.train.adam(0.01);
    step(fresh.model, freshOpt);
    const afterFresh = fresh.model.getWeights().map((t) => Array.from(t.dataSync()));
    expect(afterFresh.flat().some((v, j) => Math.abs(v - (after.flat()[j] as number)) > 1e-4)).toBe(true);
    freshOpt.dispose();
    fresh.model.dispose();
    await expect(loadCheckpoint(run, { artifactPath: 'nothing-here' })).rejects.toBeInstanceOf(TrainingError);
    tf.dispose([x, y]);
    for (const o of [optimizer, resumedOpt]) o.dispose();
    model.dispose();
    loaded.model.dispose();
  });
});

/**
 * csc-mlops/losses beyond the golden values: gradients (tf.grad) against central finite differences,
 * option validation, tensor leaks, and the model.compile adapter in a real tfjs-layers fit.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DiceCELoss,
  DiceFocalLoss,
  DiceLoss,
  FocalLoss,
  GeneralizedDiceLoss,
  type Loss,
  MaskedDiceLoss,
  TrainingOptionError,
  TrainingShapeError,
  TverskyLoss,
  kerasLoss,
} from '../../training/losses/index.js';
import { RandomState } from '../../src/random/index.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

const rng = new RandomState(7);
/** Channels-last logits [B, X, Y, C] and matching targets. */
function sample(b: number, x: number, y: number, c: number) {
  const logits = Float32Array.from({ length: b * x * y * c }, () => rng.rand() * 4 - 2);
  const idx = Float32Array.from({ length: b * x * y }, () => Math.floor(rng.rand() * c));
  const onehot = new Float32Array(b * x * y * c);
  idx.forEach((k, i) => (onehot[i * c + k] = 1));
  const mask = Float32Array.from({ length: b * x * y }, () => (rng.rand() < 0.7 ? 1 : 0));
  return { logits, shape: [b, x, y, c], idx, onehot, mask };
}

/** Compares tf.grad of `f` at `x0` with central differences (float32-aware tolerance). */
function checkGradient(f: (x: tf.Tensor) => tf.Tensor, x0: Float32Array, shape: number[]): void {
  const x = tf.tensor(x0, shape);
  const g = tf.grad((t: tf.Tensor) => f(t))(x);
  const analytic = g.dataSync();
  const h = 1e-2;
  const value = (data: Float32Array) => tf.tidy(() => f(tf.tensor(data, shape)).dataSync()[0] as number);
  let worst = 0;
  for (let i = 0; i < x0.length; i++) {
    const plus = Float32Array.from(x0);
    const minus = Float32Array.from(x0);
    plus[i] = (plus[i] as number) + h;
    minus[i] = (minus[i] as number) - h;
    const fd = (value(plus) - value(minus)) / (2 * h);
    const err = Math.abs((analytic[i] as number) - fd);
    // float32 losses of order 1: rounding ~1e-7/h and truncation O(h²)
    expect(err, `d/dx[${i}]: tf.grad ${analytic[i]} vs finite difference ${fd}`).toBeLessThanOrEqual(
      1e-3 + 2e-2 * Math.abs(fd),
    );
    worst = Math.max(worst, err);
  }
  expect(analytic.some((v) => v !== 0)).toBe(true);
  tf.dispose([x, g]);
}

describe('loss gradients agree with finite differences', () => {
  const s = sample(2, 3, 4, 3);
  const idx = () => tf.tensor(s.idx, [2, 3, 4, 1]);
  const onehot = () => tf.tensor(s.onehot, s.shape);
  const cases: [string, Loss, () => tf.Tensor][] = [
    ['DiceLoss softmax toOnehotY', new DiceLoss({ softmax: true, toOnehotY: true }), idx],
    [
      'DiceLoss sigmoid squared jaccard',
      new DiceLoss({ sigmoid: true, squaredPred: true, jaccard: true }),
      onehot,
    ],
    [
      'DiceLoss batch weight nobg',
      new DiceLoss({ softmax: true, batch: true, weight: [2, 0.5], includeBackground: false }),
      onehot,
    ],
    [
      'DiceCELoss indices, weight, smoothing',
      new DiceCELoss({ softmax: true, toOnehotY: true, weight: [1, 2, 0.5], labelSmoothing: 0.1 }),
      idx,
    ],
    ['DiceCELoss probabilities', new DiceCELoss({ softmax: true, lambdaDice: 0.5, lambdaCe: 2 }), onehot],
    ['DiceFocalLoss', new DiceFocalLoss({ softmax: true, toOnehotY: true, gamma: 2, alpha: 0.25 }), idx],
    ['FocalLoss sigmoid', new FocalLoss({ toOnehotY: true, gamma: 1.5, weight: [1, 2, 3] }), idx],
    ['FocalLoss softmax sum', new FocalLoss({ useSoftmax: true, reduction: 'sum', alpha: 0.3 }), onehot],
    ['GeneralizedDiceLoss', new GeneralizedDiceLoss({ softmax: true, toOnehotY: true }), idx],
    ['TverskyLoss', new TverskyLoss({ softmax: true, toOnehotY: true, alpha: 0.3, beta: 0.7 }), idx],
    ['DiceLoss otherAct tanh', new DiceLoss({ otherAct: (t) => tf.tanh(t) }), onehot],
  ];
  for (const [name, loss, target] of cases)
    it(name, () => {
      const before = tf.memory().numTensors;
      const y = target();
      checkGradient((x) => loss.forward(x, y), s.logits, s.shape);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

  it('MaskedDiceLoss (mask before the softmax)', () => {
    const loss = new MaskedDiceLoss({ softmax: true, toOnehotY: true });
    const y = idx();
    const m = tf.tensor(s.mask, [2, 3, 4, 1]);
    checkGradient((x) => loss.forward(x, y, m), s.logits, s.shape);
    tf.dispose([y, m]);
  });

  it('channelsFirst gradients equal channelsLast ones (transposed)', () => {
    const cl = new DiceCELoss({ softmax: true, toOnehotY: true });
    const cf = new DiceCELoss({ softmax: true, toOnehotY: true, layout: 'channelsFirst' });
    const x = tf.tensor(s.logits, s.shape);
    const y = idx();
    const gl = tf.grad((t: tf.Tensor) => cl.forward(t, y))(x);
    const xf = tf.transpose(x, [0, 3, 1, 2]);
    const yf = tf.transpose(y, [0, 3, 1, 2]);
    const gf = tf.grad((t: tf.Tensor) => cf.forward(t, yf))(xf);
    const back = tf.transpose(gf, [0, 2, 3, 1]);
    const a = gl.dataSync();
    const b = back.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 6);
    tf.dispose([x, y, gl, xf, yf, gf, back]);
  });
});

describe('loss options are validated at construction', () => {
  it('rejects unknown options (typos) naming the class and the option', () => {
    const e = (() => {
      try {
        new DiceLoss({ includeBackround: false } as never);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(TrainingOptionError);
    expect((e as TrainingOptionError).component).toBe('DiceLoss');
    expect((e as TrainingOptionError).option).toBe('includeBackround');
  });
  it.each([
    ['sigmoid and softmax together', () => new DiceLoss({ sigmoid: true, softmax: true })],
    ['otherAct with softmax', () => new GeneralizedDiceLoss({ softmax: true, otherAct: (t) => t })],
    ['otherAct not a function', () => new DiceLoss({ otherAct: 'tanh' as never })],
    ['bad reduction', () => new DiceLoss({ reduction: 'avg' as never })],
    ["DiceCELoss reduction 'none'", () => new DiceCELoss({ reduction: 'none' as never })],
    ['negative lambda', () => new DiceCELoss({ lambdaCe: -1 })],
    ['label smoothing above 1', () => new DiceCELoss({ labelSmoothing: 1.5 })],
    ['negative weight', () => new FocalLoss({ weight: [1, -1] })],
    ['alpha out of [0, 1]', () => new FocalLoss({ alpha: 2 })],
    [
      'alpha with softmax and no background',
      () => new FocalLoss({ useSoftmax: true, includeBackground: false, alpha: 0.25 }),
    ],
    ['unknown wType', () => new GeneralizedDiceLoss({ wType: 'cube' as never })],
    ['non-boolean flag', () => new TverskyLoss({ batch: 1 as never })],
    ['bad layout', () => new DiceLoss({ layout: 'NHWC' as never })],
    ['gamma on DiceLoss', () => new DiceLoss({ gamma: 2 } as never)],
  ])('%s', (_, make) => {
    expect(make).toThrow(TrainingOptionError);
  });
  it('shape problems at forward are TrainingShapeErrors, and leak nothing', () => {
    const x = tf.zeros([1, 4, 4, 3]);
    const y2 = tf.zeros([1, 4, 4, 2]);
    const y3 = tf.zeros([1, 4, 4, 3]);
    const before = tf.memory().numTensors;
    expect(() => new DiceLoss().forward(x, y2)).toThrow(TrainingShapeError);
    expect(() => new DiceLoss({ weight: [1, 2] }).forward(x, y3)).toThrow(
      /weight has 2 values but there are 3 classes/,
    );
    expect(() => new DiceCELoss().forward(x, y2)).toThrow(TrainingShapeError);
    expect(() => new DiceLoss({ toOnehotY: true }).forward(x, y2)).toThrow(/1-channel class-index target/);
    expect(() => new MaskedDiceLoss().forward(x, y3, y2)).toThrow(/mask must have 1 channel/);
    const x1 = tf.zeros([1, 4, 4, 1]);
    expect(() => new DiceLoss({ softmax: true }).forward(x1, x1)).toThrow(/softmax \(use sigmoid\)/);
    expect(() => new FocalLoss({ includeBackground: false }).forward(x1, x1)).toThrow(/2 or more channels/);
    x1.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y2, y3]);
  });
});

describe('losses leak no tensors', () => {
  it('forward and tf.grad keep numTensors steady', () => {
    const s = sample(1, 4, 4, 2);
    const x = tf.tensor(s.logits, s.shape);
    const y = tf.tensor(s.idx, [1, 4, 4, 1]);
    const before = tf.memory().numTensors;
    for (const loss of [
      new DiceLoss({ softmax: true, toOnehotY: true }),
      new DiceCELoss({ softmax: true, toOnehotY: true, labelSmoothing: 0.1 }),
      new DiceFocalLoss({ softmax: true, toOnehotY: true }),
      new FocalLoss({ toOnehotY: true, reduction: 'none' }),
      new GeneralizedDiceLoss({ softmax: true, toOnehotY: true, reduction: 'none' }),
      new TverskyLoss({ softmax: true, toOnehotY: true }),
    ]) {
      loss.forward(x, y).dispose();
      tf.grad((t: tf.Tensor) => loss.forward(t, y))(x).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});

describe('kerasLoss adapts a loss to model.compile', () => {
  it('trains a tiny segmentation model with DiceCELoss: the loss goes down', async () => {
    const before = tf.memory().numTensors;
    const s = sample(4, 8, 8, 2);
    // learnable target: class 1 where the input is positive
    const input = tf.tensor(Float32Array.from(s.logits.filter((_, i) => i % 2 === 0)), [4, 8, 8, 1]);
    const target = tf.tidy(() =>
      tf.oneHot(tf.cast(tf.squeeze(tf.greater(input, 0), [3]), 'int32'), 2).toFloat(),
    );
    const model = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 1, padding: 'same' })],
    });
    const optimizer = tf.train.adam(0.1);
    model.compile({ optimizer, loss: kerasLoss(new DiceCELoss({ softmax: true })) });
    const history = await model.fit(input, target, { epochs: 15, batchSize: 4, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.7);
    model.dispose();
    optimizer.dispose();
    tf.dispose([input, target]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

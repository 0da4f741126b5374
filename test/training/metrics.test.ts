/**
 * csc-mlops/metrics beyond the golden values: the distance transforms against brute force, surface
 * distances on known shapes, MONAI's edge cases, ROC-AUC against its definition, option validation,
 * and tensor ownership (nothing held in buffers, nothing leaked across call/aggregate/reset).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONFUSION_METRIC_NAMES,
  ConfusionMatrixMetric,
  DiceMetric,
  HausdorffDistanceMetric,
  MeanIoU,
  ROCAUCMetric,
  SurfaceDistanceMetric,
  TrainingError,
  TrainingOptionError,
  TrainingShapeError,
  chamferDistanceTransform,
  euclideanDistanceTransform,
} from '../../training/metrics/index.js';
import { torchQuantile } from '../../training/metrics/hausdorff-distance-metric.js';
import { rocAuc } from '../../training/metrics/roc-auc-metric.js';
import { RandomState } from '../../src/random/index.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

const rng = new RandomState(11);
const coords = (i: number, shape: number[]) => {
  const c: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    c[a] = i % (shape[a] as number);
    i = Math.floor(i / (shape[a] as number));
  }
  return c;
};

function bruteForce(
  features: Uint8Array,
  shape: number[],
  dist: (a: number[], b: number[]) => number,
): Float64Array {
  const pts = [...features.keys()].filter((i) => features[i]).map((i) => coords(i, shape));
  return Float64Array.from(features, (_, i) => {
    const p = coords(i, shape);
    return pts.reduce((m, q) => Math.min(m, dist(p, q)), Infinity);
  });
}

describe('distance transforms are exact', () => {
  for (const shape of [[7, 6, 5], [9, 8], [13]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const features = Uint8Array.from({ length: n }, () => (rng.rand() < 0.06 ? 1 : 0));
    features[3] = 1;
    it(`euclidean with anisotropic spacing on [${shape}] equals brute force`, () => {
      const spacing = [1.5, 0.7, 2].slice(0, shape.length);
      const ours = euclideanDistanceTransform(features, shape, spacing);
      const ref = bruteForce(features, shape, (a, b) =>
        Math.sqrt(a.reduce((s, x, k) => s + ((x - (b[k] as number)) * (spacing[k] as number)) ** 2, 0)),
      );
      ours.forEach((v, i) => expect(v).toBeCloseTo(ref[i] as number, 10));
    });
    it(`chessboard and taxicab on [${shape}] equal brute force`, () => {
      const cb = chamferDistanceTransform(features, shape, 'chessboard');
      const tc = chamferDistanceTransform(features, shape, 'taxicab');
      const refCb = bruteForce(features, shape, (a, b) =>
        Math.max(...a.map((x, k) => Math.abs(x - (b[k] as number)))),
      );
      const refTc = bruteForce(features, shape, (a, b) =>
        a.reduce((s, x, k) => s + Math.abs(x - (b[k] as number)), 0),
      );
      expect(Array.from(cb)).toEqual(Array.from(refCb));
      expect(Array.from(tc)).toEqual(Array.from(refTc));
    });
  }
  it('gives Infinity everywhere without features', () => {
    expect(Array.from(euclideanDistanceTransform(new Uint8Array(6), [2, 3]))).toEqual(
      Array(6).fill(Infinity),
    );
    expect(Array.from(chamferDistanceTransform(new Uint8Array(6), [2, 3], 'taxicab'))).toEqual(
      Array(6).fill(Infinity),
    );
  });
});

/** A channels-last [1, X, Y, 2] one-hot batch: background + one square of side `size` at (x0, y0). */
function square(x0: number, y0: number, size: number, n = 12): tf.Tensor {
  const d = new Float32Array(n * n * 2);
  for (let x = 0; x < n; x++)
    for (let y = 0; y < n; y++) {
      const inside = size > 0 && x >= x0 && x < x0 + size && y >= y0 && y < y0 + size;
      d[(x * n + y) * 2 + (inside ? 1 : 0)] = 1;
    }
  return tf.tensor(d, [1, n, n, 2]);
}

async function one(
  metric: { call(a: tf.Tensor, b: tf.Tensor, o?: object): Promise<tf.Tensor> },
  a: tf.Tensor,
  b: tf.Tensor,
  o?: object,
) {
  const r = await metric.call(a, b, o);
  const v = Array.from(await r.data());
  r.dispose();
  return v;
}

describe('surface-distance metrics on known shapes', () => {
  it('Hausdorff of a square shifted by 2 voxels along X is 2, 6 at 3 mm spacing', async () => {
    const gt = square(3, 3, 4);
    const pred = square(5, 3, 4);
    expect(await one(new HausdorffDistanceMetric(), pred, gt)).toEqual([2]);
    expect(await one(new HausdorffDistanceMetric(), pred, gt, { spacing: [3, 1] })).toEqual([6]);
    expect(await one(new HausdorffDistanceMetric({ distanceMetric: 'chessboard' }), pred, gt)).toEqual([2]);
    await expect(
      new HausdorffDistanceMetric({ distanceMetric: 'taxicab' }).call(pred, gt, { spacing: 2 }),
    ).rejects.toThrow(/only used by the euclidean distance/);
    tf.dispose([gt, pred]);
  });
  it('MONAI 1.4 edge cases: both empty NaN, one empty inf, but NaN with a percentile (MONAI issue #9095)', async () => {
    const gt = square(3, 3, 4);
    const empty = square(0, 0, 0);
    expect(await one(new HausdorffDistanceMetric(), empty, empty)).toEqual([NaN]);
    expect(await one(new HausdorffDistanceMetric(), empty, gt)).toEqual([Infinity]);
    expect(await one(new HausdorffDistanceMetric({ directed: true }), gt, empty)).toEqual([Infinity]);
    expect(await one(new HausdorffDistanceMetric({ percentile: 95 }), empty, gt)).toEqual([NaN]);
    expect(await one(new SurfaceDistanceMetric(), empty, gt)).toEqual([Infinity]);
    tf.dispose([gt, empty]);
  });
  it('torch.quantile semantics: linear interpolation in float32', () => {
    expect(torchQuantile(Float64Array.from([4, 1, 3, 2]), 0.95)).toBeCloseTo(3.85, 6);
    expect(torchQuantile(Float64Array.from([5]), 0.5)).toBe(5);
    expect(torchQuantile(Float64Array.from([1, NaN]), 0.5)).toBeNaN();
  });
  it('spacing is validated per call', async () => {
    const gt = square(3, 3, 4);
    const m = new HausdorffDistanceMetric();
    await expect(m.call(gt, gt, { spacing: [1, 1, 1] })).rejects.toThrow(/3 values for 2 spatial axes/);
    await expect(
      m.call(gt, gt, {
        spacing: [
          [1, 1],
          [1, 1],
        ],
      }),
    ).rejects.toThrow(/2 entries for a batch of 1/);
    await expect(new DiceMetric().call(gt, gt, { spacing: 1 })).rejects.toThrow(TrainingError);
    tf.dispose(gt);
  });
});

describe('ROCAUCMetric', () => {
  /** AUC by its definition: P(score of a positive > score of a negative) + ½ P(tie). */
  function definition(p: number[], y: number[]): number {
    let s = 0;
    let pairs = 0;
    for (let i = 0; i < p.length; i++)
      for (let j = 0; j < p.length; j++)
        if (y[i] === 1 && y[j] === 0) {
          pairs++;
          s += (p[i] as number) > (p[j] as number) ? 1 : p[i] === p[j] ? 0.5 : 0;
        }
    return s / pairs;
  }
  it('equals the definition on random scores with ties', () => {
    for (let trial = 0; trial < 5; trial++) {
      const p = Array.from({ length: 40 }, () => Math.round(rng.rand() * 8) / 8);
      const y = Array.from({ length: 40 }, (_, i) => (i < 2 ? i : rng.rand() < 0.4 ? 1 : 0));
      expect(rocAuc(p, y)).toBeCloseTo(definition(p, y), 12);
    }
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });
  it('averages classes as MONAI does and buffers across calls', async () => {
    const before = tf.memory().numTensors;
    const m = new ROCAUCMetric({ average: 'none' });
    const p1 = tf.tensor([
      [0.1, 0.9],
      [0.3, 0.6],
    ]);
    const y1 = tf.tensor([
      [0, 1],
      [1, 0],
    ]);
    const p2 = tf.tensor([
      [0.8, 0.2],
      [0.2, 0.4],
    ]);
    const y2 = tf.tensor([
      [1, 0],
      [0, 1],
    ]);
    tf.dispose(await m.call(p1, y1));
    tf.dispose(await m.call(p2, y2));
    const per = (await m.aggregate()) as tf.Tensor[];
    const values = per.map((t) => t.dataSync()[0] as number);
    expect(values[0]).toBeCloseTo(definition([0.1, 0.3, 0.8, 0.2], [0, 1, 1, 0]), 12);
    expect(values[1]).toBeCloseTo(definition([0.9, 0.6, 0.2, 0.4], [1, 0, 0, 1]), 12);
    const macro = await m.aggregate('macro');
    expect((macro as tf.Tensor).dataSync()[0]).toBeCloseTo(
      ((values[0] as number) + (values[1] as number)) / 2,
      6,
    );
    tf.dispose([...per, macro as tf.Tensor, p1, y1, p2, y2]);
    m.reset();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ConfusionMatrixMetric', () => {
  it('accepts every MONAI metric name, with spaces and any case', () => {
    expect(() => new ConfusionMatrixMetric({ metricName: [...CONFUSION_METRIC_NAMES] })).not.toThrow();
    expect(() => new ConfusionMatrixMetric({ metricName: 'F1 Score' })).not.toThrow();
    expect(() => new ConfusionMatrixMetric({ metricName: 'dice' })).toThrow(TrainingOptionError);
  });
  it('counts [tp, fp, tn, fn] and computes metrics from them', async () => {
    // one item, one class, 6 pixels: pred 1 1 1 0 0 0, true 1 0 0 1 0 0
    const pred = tf.tensor([1, 1, 1, 0, 0, 0], [1, 6, 1]);
    const y = tf.tensor([1, 0, 0, 1, 0, 0], [1, 6, 1]);
    const m = new ConfusionMatrixMetric({ metricName: ['sensitivity', 'precision', 'accuracy', 'mcc'] });
    expect(await one(m, pred, y)).toEqual([1, 2, 2, 1]);
    const out = (await m.aggregate()) as tf.Tensor[];
    const v = out.map((t) => t.dataSync()[0] as number);
    expect(v[0]).toBeCloseTo(0.5, 6);
    expect(v[1]).toBeCloseTo(1 / 3, 6);
    expect(v[2]).toBeCloseTo(0.5, 6);
    expect(v[3]).toBeCloseTo((1 * 2 - 2 * 1) / Math.sqrt(3 * 2 * 4 * 3), 6);
    tf.dispose([...out, pred, y]);
  });
});

describe('metric options and inputs are validated', () => {
  it.each([
    ['unknown option', () => new DiceMetric({ includeBackround: false } as never)],
    ['bad reduction', () => new MeanIoU({ reduction: 'median' as never })],
    ['percentile above 100', () => new HausdorffDistanceMetric({ percentile: 101 })],
    ['unknown distance', () => new SurfaceDistanceMetric({ distanceMetric: 'manhattan' as never })],
    ['bad average', () => new ROCAUCMetric({ average: 'samples' as never })],
    ['bad layout', () => new DiceMetric({ layout: 'NCHW' as never })],
  ])('%s', (_, make) => expect(make).toThrow(TrainingOptionError));
  it('mismatched shapes are TrainingShapeErrors; aggregating nothing too', async () => {
    const a = tf.zeros([1, 4, 4, 2]);
    const b = tf.zeros([1, 4, 5, 2]);
    await expect(new DiceMetric().call(a, b)).rejects.toThrow(TrainingShapeError);
    await expect(new DiceMetric().aggregate()).rejects.toThrow(/nothing to aggregate/);
    tf.dispose([a, b]);
  });
});

describe('metrics own no tensors', () => {
  it('call/aggregate results are the caller’s; buffers hold typed arrays; reset empties them', async () => {
    const gt = square(3, 3, 4);
    const pred = square(4, 3, 4);
    const before = tf.memory().numTensors;
    const metrics = [
      new DiceMetric({ getNotNans: true }),
      new MeanIoU({ reduction: 'none' }),
      new HausdorffDistanceMetric({ percentile: 95 }),
      new SurfaceDistanceMetric({ symmetric: true }),
      new ConfusionMatrixMetric({ metricName: ['f1', 'tnr'], computeSample: true }),
    ];
    for (const m of metrics) {
      for (let i = 0; i < 2; i++) (await m.call(pred, gt)).dispose();
      expect(tf.memory().numTensors, `${m.constructor.name} holds tensors`).toBe(before);
      const agg = await m.aggregate();
      tf.dispose(agg as tf.Tensor[]);
      m.reset();
      await expect(m.aggregate()).rejects.toThrow(TrainingShapeError);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([gt, pred]);
  });
  it('Dice is the same in both layouts', async () => {
    const gt = square(3, 3, 4);
    const pred = square(4, 2, 5);
    const cf = [tf.transpose(pred, [0, 3, 1, 2]), tf.transpose(gt, [0, 3, 1, 2])] as const;
    const a = await one(new DiceMetric(), pred, gt);
    const b = await one(new DiceMetric({ layout: 'channelsFirst' }), cf[0], cf[1]);
    expect(a).toEqual(b);
    expect(a[1]).toBeCloseTo((2 * 12) / (16 + 25), 6);
    tf.dispose([gt, pred, ...cf]);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { TrainingError } from '../../../training/training-error.js';
import { SlidingWindowInferer, slidingWindowInference } from '../../../training/inferers/index.js';

const ramp = (shape: number[]) =>
  tf.tidy(() =>
    tf.reshape(
      tf.range(
        0,
        shape.reduce((a, b) => a * b, 1),
        1,
        'float32',
      ),
      shape,
    ),
  );

describe('slidingWindowInference', () => {
  it('pads an input smaller than the window and crops the output back (identity predictor)', async () => {
    const before = tf.memory().numTensors;
    const x = ramp([1, 5, 3, 2]); // channels last: 5×3, 2 channels
    const seen: number[][] = [];
    const out = await slidingWindowInference(x, [8, 4], 2, (w) => (seen.push(w.shape), w), { cval: -1 });
    expect(seen).toEqual([[1, 8, 4, 2]]);
    expect(out.shape).toEqual([1, 5, 3, 2]);
    expect(Array.from(await out.data())).toEqual(Array.from(await x.data()));
    tf.dispose([x, out]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('places windows at multiples of int(roi·(1-overlap)) per axis, the last flush with the end', async () => {
    const x = tf.zeros([2, 20, 10, 1]);
    const starts: number[] = [];
    const counter = (w: tf.Tensor) => {
      starts.push(w.shape[0] as number);
      return w;
    };
    const out = await slidingWindowInference(x, [8, 4], 3, counter, { overlap: [0.5, 0] });
    // axis 0: interval 4 → starts 0,4,8,12 (12+8 = 20); axis 1: interval 4 → 0,4,6 → 12 windows per item
    expect(starts.reduce((a, b) => a + b, 0)).toBe(2 * 12);
    expect(starts.every((n) => n <= 3)).toBe(true);
    tf.dispose([x, out]);
  });

  it('blends overlapping windows: a position-dependent predictor averages per voxel (constant mode)', async () => {
    const x = tf.zeros([1, 6, 1]);
    // every window returns its own batch position + 1 everywhere → voxels covered by two windows average them
    let call = 0;
    const out = await slidingWindowInference(x, [4], 1, () => tf.fill([1, 4, 1], ++call), { overlap: 0.5 });
    // windows start at 0 and 2: [1,1,1.5,1.5,2,2]
    expect(Array.from(await out.data())).toEqual([1, 1, 1.5, 1.5, 2, 2]);
    tf.dispose([x, out]);
  });

  it('accepts a zoomed predictor (×2 nearest upsampling) and another channel count', async () => {
    const before = tf.memory().numTensors;
    const x = ramp([1, 8, 6, 1]);
    const up = (w: tf.Tensor) =>
      tf.tidy(() => {
        const u = tf.image.resizeNearestNeighbor(w as tf.Tensor4D, [
          (w.shape[1] as number) * 2,
          (w.shape[2] as number) * 2,
        ]);
        return tf.concat([u, tf.neg(u)], 3);
      });
    const out = await slidingWindowInference(x, [4, 4], 2, up, { overlap: 0.5, mode: 'gaussian' });
    expect(out.shape).toEqual([1, 16, 12, 2]);
    const expected = tf.tidy(() => {
      const u = tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [16, 12]);
      return tf.concat([u, tf.neg(u)], 3);
    });
    const a = await out.data();
    const e = await expected.data();
    for (let i = 0; i < e.length; i++) expect(a[i]).toBeCloseTo(e[i] as number, 4);
    tf.dispose([x, out, expected]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('works channels-first and agrees with channels-last', async () => {
    const x = ramp([2, 3, 9, 7]); // channels first
    const center = (w: tf.Tensor, axes: number[]) => tf.tidy(() => tf.sub(w, tf.mean(w, axes, true)));
    const first = await slidingWindowInference(x, [4, 5], 2, (w) => center(w, [2, 3]), {
      layout: 'channelsFirst',
      overlap: 0.3,
      mode: 'gaussian',
    });
    const xl = tf.transpose(x, [0, 2, 3, 1]);
    const last = await slidingWindowInference(xl, [4, 5], 2, (w) => center(w, [1, 2]), {
      overlap: 0.3,
      mode: 'gaussian',
    });
    const back = tf.transpose(last, [0, 3, 1, 2]);
    const a = await first.data();
    const b = await back.data();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 5);
    tf.dispose([x, first, xl, last, back]);
  });

  it('disposes the windows and intermediate tensors when the predictor throws', async () => {
    const before = tf.memory().numTensors;
    const x = tf.ones([1, 8, 8, 1]);
    await expect(
      slidingWindowInference(x, [4, 4], 1, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad options and predictor outputs with a TrainingError', async () => {
    const x = tf.ones([1, 8, 8, 1]);
    const id = (w: tf.Tensor) => w;
    await expect(slidingWindowInference(x, [4, 4], 1, id, { overlap: 1 })).rejects.toBeInstanceOf(
      TrainingError,
    );
    await expect(slidingWindowInference(x, [4], 1, id)).rejects.toBeInstanceOf(TrainingError);
    await expect(slidingWindowInference(x, [4, 4], 0, id)).rejects.toBeInstanceOf(TrainingError);
    await expect(
      slidingWindowInference(x, [4, 4], 1, id, { paddingMode: 'edge' as never }),
    ).rejects.toBeInstanceOf(TrainingError);
    await expect(slidingWindowInference(x, [4, 4], 1, (w) => tf.sum(w))).rejects.toBeInstanceOf(
      TrainingError,
    );
    x.dispose();
  });

  it('SlidingWindowInferer keeps the options and runs a model-like predictor', async () => {
    const inferer = new SlidingWindowInferer({ roiSize: [4, 4, 4], swBatchSize: 4, overlap: 0.5 });
    const x = ramp([1, 6, 6, 6, 1]);
    const net = { predict: (w: tf.Tensor) => tf.mul(w, 3) };
    const out = await inferer.call(x, net);
    const expected = tf.mul(x, 3);
    const a = await out.data();
    const e = await expected.data();
    for (let i = 0; i < e.length; i++) expect(a[i]).toBeCloseTo(e[i] as number, 3);
    tf.dispose([x, out, expected]);
    expect(() => new SlidingWindowInferer({ roiSize: [4], swBatchSize: 0 })).toThrow(TrainingError);
    expect(() => new SlidingWindowInferer({ roiSize: [4], overlap: [0.5, 1] })).toThrow(TrainingError);
    expect(() => new SlidingWindowInferer({ roiSize: [4.5] })).toThrow(TrainingError);
    expect(() => new SlidingWindowInferer({ roiSize: [4], progress: true } as never)).toThrow(
      /not an option/,
    );
  });
});

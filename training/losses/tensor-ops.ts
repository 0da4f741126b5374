/** Tensor helpers for the losses (tf ops only, differentiable). */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { channelAxis, channelsLastPerm } from '../layout.js';

/** log(softmax(x)) along `axis` (tfjs's own logSoftmax only works on the last axis). */
export function logSoftmaxAxis(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.sub(x, tf.logSumExp(x, axis, true));
}

/**
 * log σ(x) = −softplus(−x). tfjs's own `tf.logSigmoid` is a customGrad whose gradient reads its input
 * after `tf.tidy` has freed it, so it breaks `tf.grad` of a tidied loss; softplus is a plain kernel.
 */
export function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}

/** softmax(x) along `axis`. */
export function softmaxAxis(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.exp(logSoftmaxAxis(x, axis));
}

/**
 * MONAI's `one_hot`: a 1-channel class-index tensor (float values truncated to integers) becomes
 * `numClasses` float32 channels, in `layout`.
 */
export function oneHotLayout(target: tf.Tensor, numClasses: number, layout: TensorLayout): tf.Tensor {
  const axis = channelAxis(target.rank, layout);
  const idx = tf.cast(tf.squeeze(target, [axis]), 'int32');
  const oh = tf.cast(tf.oneHot(idx, numClasses), 'float32');
  if (layout === 'channelsLast') return oh;
  // oneHot puts classes last: move them to axis 1
  const r = oh.rank;
  return tf.transpose(oh, [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)]);
}

/** Channels `from..end` along the channel axis. */
export function dropChannels(x: tf.Tensor, from: number, layout: TensorLayout): tf.Tensor {
  const axis = channelAxis(x.rank, layout);
  const begin = x.shape.map((_, i) => (i === axis ? from : 0));
  const size = x.shape.map((d, i) => (i === axis ? d - from : -1));
  return tf.slice(x, begin, size);
}

/** A per-channel vector reshaped to broadcast against a tensor of `rank` in `layout`. */
export function channelVector(values: readonly number[], rank: number, layout: TensorLayout): tf.Tensor {
  const shape = Array.from({ length: rank }, () => 1);
  shape[channelAxis(rank, layout)] = values.length;
  return tf.tensor(values as number[], shape, 'float32');
}

/**
 * A `(B, C)` (or `(C)` with `batch`) result given MONAI's broadcastable `reduction: 'none'` shape:
 * `(B, C, 1, 1[, 1])` channels-first, that shape with axis 1 moved last channels-last.
 */
export function broadcastNone(f: tf.Tensor, inputRank: number, layout: TensorLayout): tf.Tensor {
  const cf = [...f.shape.slice(0, 2), ...Array.from({ length: inputRank - 2 }, () => 1)];
  const r = tf.reshape(f, cf);
  return layout === 'channelsLast' && cf.length >= 2 ? tf.transpose(r, channelsLastPerm(cf.length)) : r;
}

/** `'mean'`, `'sum'` or `'none'` (identity) of a loss tensor. */
export function reduceLoss(f: tf.Tensor, reduction: 'none' | 'mean' | 'sum'): tf.Tensor {
  if (reduction === 'mean') return tf.mean(f);
  if (reduction === 'sum') return tf.sum(f);
  return f;
}

/**
 * Instance normalization as a serializable tfjs layer (tfjs-layers has none): per sample and channel,
 * over the spatial axes, `(x - mean) / sqrt(var + eps)` with the biased variance, then `γ·x + β` when
 * `affine` — torch's `InstanceNorm{2,3}d` (no running statistics), channels last.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { instanceNorm } from './instance-norm-op.js';
import { TrainingError } from '../training-error.js';

/** Options of {@link InstanceNormalization}: torch's arguments (`eps`, `affine`). */
export interface InstanceNormalizationArgs extends LayerArgs {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale γ (ones) and shift β (zeros) (default false, as torch). */
  affine?: boolean;
}

/** Per-sample, per-channel normalization over the spatial axes of a channels-last tensor. */
export class InstanceNormalization extends layers.Layer {
  /** Name under which tfjs serializes the layer (`model.json`). */
  static readonly className = 'InstanceNormalization';
  readonly eps: number;
  readonly affine: boolean;
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    this.eps = args.eps ?? 1e-5;
    this.affine = args.affine ?? false;
    this.supportsMasking = false;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (this.affine) {
      if (typeof channels !== 'number')
        throw new TrainingError('InstanceNormalization', 'affine needs a known channel count (last axis)');
      this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones());
      this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros());
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (x.dtype !== 'float32')
      throw new TrainingError('InstanceNormalization', `expects float32 input, got ${x.dtype}`);
    return this.gamma !== null && this.beta !== null
      ? instanceNorm(x, this.eps, this.gamma.read(), this.beta.read())
      : instanceNorm(x, this.eps);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), eps: this.eps, affine: this.affine };
  }
}
tf.serialization.registerClass(InstanceNormalization);

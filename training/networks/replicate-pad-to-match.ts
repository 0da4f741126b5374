import * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';

/**
 * Pads the second input at the end of each spatial axis by replicating its last plane until it has the
 * first input's spatial size (MONAI's `UpCat` after max-pooling odd sizes), channels last.
 * Outputs the padded second input.
 */
export class ReplicatePadToMatch extends layers.Layer {
  /** Name under which tfjs serializes the layer (`model.json`). */
  static readonly className = 'ReplicatePadToMatch';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [ref, x] = inputShape as Shape[];
    return [...(ref as Shape).slice(0, -1), (x as Shape)[(x as Shape).length - 1] as number | null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [ref, x0] = inputs as tf.Tensor[];
      let x = x0 as tf.Tensor;
      for (let axis = 1; axis < x.rank - 1; axis++) {
        const want = (ref as tf.Tensor).shape[axis] as number;
        const have = x.shape[axis] as number;
        if (want > have) {
          const begin = x.shape.map(() => 0);
          const size = x.shape.map(() => -1);
          begin[axis] = have - 1;
          size[axis] = 1;
          const reps = x.shape.map((_, a) => (a === axis ? want - have : 1));
          x = tf.concat([x, tf.tile(tf.slice(x, begin, size), reps)], axis);
        }
      }
      return x;
    });
  }
}
tf.serialization.registerClass(ReplicatePadToMatch);

/**
 * tfjs 4.22 has no gradient for `Conv3DBackpropInputV2` (the kernel of `conv3dTranspose`), so a 3D
 * UNet cannot train. This registers the same gradient as TensorFlow's (and as tfjs's own for the 2D
 * kernel): with respect to the transposed conv's input, a conv3d of the upstream gradient; with respect
 * to the filter, `Conv3DBackpropFilterV2(upstream, input)`. Registered only where tfjs has none.
 */
import * as tf from '@tensorflow/tfjs-core';

const KERNEL = 'Conv3DBackpropInputV2';

interface Attrs {
  strides: [number, number, number] | number;
  pad: 'valid' | 'same';
}

/** Registers the gradient once (a no-op when tfjs already has one). */
export function ensureConv3dTransposeGradient(): void {
  if (tf.getGradient(KERNEL) !== undefined) return;
  tf.registerGradient({
    kernelName: KERNEL,
    inputsToSave: ['dy', 'filter'],
    gradFunc: (ddx: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
      const { strides, pad } = attrs as unknown as Attrs;
      const upstream = ddx as tf.Tensor5D;
      return {
        dy: () => tf.conv3d(upstream, filter, strides, pad),
        filter: () =>
          tf.engine().runKernel('Conv3DBackpropFilterV2', { x: upstream, dy }, {
            strides,
            pad,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    },
  });
}

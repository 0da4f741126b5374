import * as tf from '@tensorflow/tfjs-core';
import { CscMlopsError } from '../errors.js';
import type { DType } from '../image/dtype.js';
import { MetaImage, copyTrace } from '../image/meta-image.js';
import {
  type TensorDType,
  type TensorLayout,
  allocTensorArray,
  channelFirstShape,
  checkLayout,
  layoutShape,
  readTensorData,
  tensorDTypeOf,
  writeTensorData,
} from './tensor-data.js';

/** Options of {@link toTensor}. */
export interface ToTensorOptions {
  /** `'channelsLast'` (default: `[x, y, z, C]`, tfjs's native layout) or `'channelsFirst'` (`[C, x, y, z]`). */
  layout?: TensorLayout;
  /**
   * Tensor dtype. Default: the image dtype mapped as tfjs allows (float64 → float32, 8/16/32-bit
   * integers → int32, uint32 → int32 wrapping values ≥ 2^31, bool → bool). Forcing `int32` on float
   * data truncates toward zero.
   */
  dtype?: TensorDType | DType;
}

/**
 * Converts one MetaImage to a `tf.Tensor` (the caller owns it and disposes it). Outside a
 * DataLoader this is the only place where images become tensors.
 *
 * @example
 * const t = toTensor(img);                             // [x, y, z, C] float32
 * const u = toTensor(img, { layout: 'channelsFirst' }); // [C, x, y, z]
 * t.dispose(); u.dispose();
 */
export function toTensor(image: MetaImage, options: ToTensorOptions = {}): tf.Tensor {
  if (!MetaImage.isMetaImage(image))
    throw new CscMlopsError(`toTensor expects a MetaImage, got ${image === null ? 'null' : typeof image}`);
  const layout = checkLayout(options.layout ?? 'channelsLast');
  const dtype = resolveTensorDType(options.dtype, image.dtype);
  const out = allocTensorArray(dtype, image.size);
  writeTensorData(image.data, image.shape, layout, out, 0, dtype === 'bool');
  return tf.tensor(out, layoutShape(image.shape, layout), dtype);
}

/** The tensor dtype for a requested dtype (a tensor dtype or an image dtype to map) and the image's dtype. */
export function resolveTensorDType(
  requested: TensorDType | DType | undefined,
  imageDType: DType,
): TensorDType {
  if (requested === undefined) return tensorDTypeOf(imageDType);
  if (requested === 'float32' || requested === 'int32' || requested === 'bool') return requested;
  return tensorDTypeOf(requested);
}

/** Options of {@link tensorToImage}. */
export interface TensorToImageOptions {
  /** Layout of the tensor (default `'channelsLast'`). */
  layout?: TensorLayout;
  /** Geometry and meta to copy (affine, meta, applied operations), e.g. the image the tensor came from. */
  like?: MetaImage;
}

/**
 * Reads a tensor (without a batch axis) back into a channel-first MetaImage of dtype float32, int32
 * or bool. Does not dispose the tensor.
 *
 * @example
 * const img = await tensorToImage(pred, { layout: 'channelsLast', like: input });
 */
export async function tensorToImage(
  tensor: tf.Tensor,
  options: TensorToImageOptions = {},
): Promise<MetaImage> {
  const layout = checkLayout(options.layout ?? 'channelsLast');
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32' && tensor.dtype !== 'bool')
    throw new CscMlopsError(
      `tensorToImage cannot read a ${tensor.dtype} tensor (float32, int32 or bool only)`,
    );
  const values = (await tensor.data()) as Float32Array | Int32Array | Uint8Array;
  const shape = channelFirstShape(tensor.shape, layout);
  const data = readTensorData(values, shape, layout);
  const like = options.like;
  return new MetaImage({
    data,
    shape,
    dtype: tensor.dtype === 'bool' ? 'bool' : tensor.dtype === 'int32' ? 'int32' : 'float32',
    affine: like?.affine.slice(),
    meta: like ? { ...like.meta } : {},
    appliedOperations: like ? copyTrace(like.appliedOperations) : [],
  });
}

import type { Tensor } from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors.js';
import { MetaImage } from '../image/meta-image.js';
import { type SliceMontageOptions, sliceMontage } from './slice-montage.js';

/** Options of {@link batchMontage}: those of `sliceMontage`, but one slice per batch item. */
export interface BatchMontageOptions extends Omit<SliceMontageOptions, 'slices' | 'overlay'> {
  /** The batch's layout (default `channelsLast`, `[B, x, y(, z), C]`, the DataLoader's default). */
  layout?: 'channelsLast' | 'channelsFirst';
  /** The slice of each item along `axis` (default: the middle one). */
  slice?: number;
  /** A label batch of the same layout and spatial shape, drawn over the images. */
  overlay?: Tensor;
}

/** Items of a batch tensor as channel-first MetaImages (a copy; the tensor is not disposed). */
export async function imagesFromBatch(
  batch: Tensor,
  layout: 'channelsLast' | 'channelsFirst' = 'channelsLast',
): Promise<MetaImage[]> {
  const shape = batch.shape;
  if (shape.length < 4 || shape.length > 5)
    throw new ConfigError(
      `a batch of 2-D or 3-D images has rank 4 or 5 ([B, x, y(, z), C] or [B, C, x, y(, z)]); got [${shape.join(', ')}]`,
    );
  const data = (await batch.data()) as Float32Array | Int32Array | Uint8Array;
  const n = shape[0]!;
  const c = layout === 'channelsLast' ? shape[shape.length - 1]! : shape[1]!;
  const spatial = layout === 'channelsLast' ? shape.slice(1, -1) : shape.slice(2);
  const s = spatial.reduce((a, b) => a * b, 1);
  const out: MetaImage[] = [];
  for (let b = 0; b < n; b++) {
    const item = new Float32Array(c * s);
    if (layout === 'channelsFirst') item.set(data.subarray(b * c * s, (b + 1) * c * s));
    else
      for (let v = 0; v < s; v++)
        for (let ch = 0; ch < c; ch++) item[ch * s + v] = data[(b * s + v) * c + ch]!;
    out.push(new MetaImage({ data: item, shape: [c, ...spatial] }));
  }
  return out;
}

/** One slice of every item in a list of same-shaped images, stacked on a new last axis. */
function stackSlices(images: MetaImage[], channel: number | 'all', axis: number, slice: number): MetaImage {
  const first = images[0]!;
  const sp = first.spatialShape;
  const [a, b] = sp.length === 2 ? [0, 1] : ([0, 1, 2].filter((k) => k !== axis) as [number, number]);
  const na = sp[a]!;
  const nb = sp[b]!;
  const channels = channel === 'all' ? first.numChannels : 1;
  const n = images.length;
  const out = new Float32Array(channels * na * nb * n);
  const st = [1, 1, 1];
  for (let i = sp.length - 2; i >= 0; i--) st[i] = st[i + 1]! * sp[i + 1]!;
  const s = sp.reduce((x, y) => x * y, 1);
  images.forEach((img, k) => {
    for (let ch = 0; ch < channels; ch++) {
      const src = channel === 'all' ? ch : channel;
      const base = src * s + (sp.length === 3 ? slice * st[axis]! : 0);
      for (let i = 0; i < na; i++)
        for (let j = 0; j < nb; j++)
          out[((ch * na + i) * nb + j) * n + k] = Number(img.data[base + i * st[a]! + j * st[b]!]!);
    }
  });
  return new MetaImage({ data: out, shape: [channels, na, nb, n] });
}

/**
 * One slice of each item of a collated batch (a `tf.Tensor` from the DataLoader), side by side as a PNG,
 * with an optional label batch drawn over it. Reads the tensors; disposes nothing (the caller owns them).
 *
 * @example
 * for await (const batch of loader) { await writeFile('batch.png', await batchMontage(batch.image)); tf.dispose(batch); break; }
 */
export async function batchMontage(batch: Tensor, options: BatchMontageOptions = {}): Promise<Uint8Array> {
  const { layout = 'channelsLast', slice, overlay, axis = 2, channel = 0, ...rest } = options;
  const images = await imagesFromBatch(batch, layout);
  const sp = images[0]!.spatialShape;
  if (sp.length === 3 && ![0, 1, 2].includes(axis))
    throw new ConfigError(`axis must be 0, 1 or 2 (got ${axis})`);
  const size = sp.length === 3 ? sp[axis]! : 1;
  const index = slice ?? Math.floor(size / 2);
  if (!Number.isInteger(index) || index < 0 || index >= size)
    throw new ConfigError(`slice ${index} is outside axis ${axis} (0 to ${size - 1})`);
  if (channel >= images[0]!.numChannels)
    throw new ConfigError(
      `channel ${channel} does not exist: the batch has ${images[0]!.numChannels} channel(s)`,
    );
  const stacked = stackSlices(images, channel, axis, index);
  let labels: MetaImage | undefined;
  if (overlay) {
    const lab = await imagesFromBatch(overlay, layout);
    if (lab.length !== images.length)
      throw new ConfigError(`overlay has ${lab.length} items, the batch ${images.length}`);
    labels = stackSlices(lab, 'all', axis, index);
  }
  return sliceMontage(stacked, {
    ...rest,
    axis: 2,
    slices: images.map((_, k) => k),
    columns: options.columns ?? images.length,
    ...(labels ? { overlay: labels } : {}),
  });
}

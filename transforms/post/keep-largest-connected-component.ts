import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { requireOptions } from '../intensity/intensity-utils.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { largestConnectedComponentMask, resolveConnectivity } from './connected-components.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link KeepLargestConnectedComponent}. */
export interface KeepLargestConnectedComponentOptions {
  /** Labels (or, one-hot, channel indices) to process; default all non-zero labels present. */
  appliedLabels?: number | readonly number[] | null;
  /** One-hot input (default: more than one channel). */
  isOnehot?: boolean | null;
  /** Process each label on its own (default true) or their union. */
  independent?: boolean;
  /** Orthogonal hops (1..ndim; or 4/8 in 2D, 6/18/26 in 3D); default null = full connectivity. */
  connectivity?: number | null;
  /** How many of the largest components to keep (default 1). */
  numComponents?: number;
}

/** MONAI's `get_unique_labels(img, is_onehot, discard=0)`, ascending. */
export function uniqueLabels(img: MetaImage, isOnehot: boolean, discard: number | null = 0): number[] {
  const per = img.size / Math.max(img.numChannels, 1);
  const labels = new Set<number>();
  if (isOnehot) {
    for (let c = 0; c < img.numChannels; c++) {
      let s = 0;
      for (let i = 0; i < per; i++) s += img.data[c * per + i] as number;
      if (s > 0) labels.add(c);
    }
  } else {
    if (img.numChannels !== 1)
      throw new TransformError(
        'KeepLargestConnectedComponent',
        undefined,
        `if the input is not one-hot it should have 1 channel, got ${img.numChannels}; pass isOnehot: true for one-hot labels`,
      );
    for (let i = 0; i < img.size; i++) labels.add(img.data[i] as number);
  }
  if (discard !== null) labels.delete(discard);
  return [...labels].sort((a, b) => a - b);
}

/**
 * KeepLargestConnectedComponent on one image: for each applied label (or their union) removes all but
 * the largest connected component(s), setting removed voxels to 0. The dtype is kept. As in MONAI, a
 * label map (not one-hot) is read from channel 0; without `appliedLabels` it must have one channel.
 */
export function keepLargestConnectedComponent(
  img: MetaImage,
  options: KeepLargestConnectedComponentOptions = {},
): MetaImage {
  const isOnehot = options.isOnehot ?? img.numChannels > 1;
  const applied =
    options.appliedLabels === null || options.appliedLabels === undefined
      ? uniqueLabels(img, isOnehot, 0)
      : typeof options.appliedLabels === 'number'
        ? [options.appliedLabels]
        : [...options.appliedLabels];
  const spatial = img.spatialShape;
  const per = spatial.reduce((a, b) => a * b, 1);
  const conn = resolveConnectivity(options.connectivity, spatial.length, 'KeepLargestConnectedComponent');
  const num = options.numComponents ?? 1;
  const out = img.data.slice();
  const channel = (c: number) => out.subarray(c * per, (c + 1) * per);
  if (isOnehot)
    for (const l of applied)
      if (!Number.isInteger(l) || l < 0 || l >= img.numChannels)
        throw new TransformError(
          'KeepLargestConnectedComponent',
          undefined,
          `applied label ${l} is not a channel index of the one-hot image (${img.numChannels} channels)`,
        );
  const fg = new Uint8Array(per);
  const prune = (ch: ArrayLike<number> & { [i: number]: number }, mask: Uint8Array) => {
    for (let i = 0; i < per; i++) if (fg[i] && !mask[i]) ch[i] = 0;
  };
  if (options.independent ?? true) {
    for (const l of applied) {
      const ch = isOnehot ? channel(l) : channel(0);
      for (let i = 0; i < per; i++) fg[i] = isOnehot ? ((ch[i] as number) > 0 ? 1 : 0) : ch[i] === l ? 1 : 0;
      prune(ch, largestConnectedComponentMask(fg, spatial, conn, num));
    }
  } else if (!isOnehot) {
    const set = new Set(applied);
    const ch = channel(0);
    for (let i = 0; i < per; i++) fg[i] = set.has(ch[i] as number) ? 1 : 0;
    prune(ch, largestConnectedComponentMask(fg, spatial, conn, num));
  } else {
    fg.fill(0);
    for (const l of applied) {
      const ch = channel(l);
      for (let i = 0; i < per; i++) if (ch[i] === 1) fg[i] = 1;
    }
    const mask = largestConnectedComponentMask(fg, spatial, conn, num);
    for (const l of applied) prune(channel(l), mask);
  }
  return img.clone({ data: out, dtype: img.dtype });
}

function checkOptions(name: string, o: KeepLargestConnectedComponentOptions): void {
  const n = o.numComponents;
  if (n !== undefined && !(Number.isInteger(n) && n >= 0))
    throw new TransformError(name, undefined, `numComponents must be an integer >= 0, got ${String(n)}`);
  const c = o.connectivity;
  if (c !== undefined && c !== null && !(Number.isInteger(c) && c >= 1))
    throw new TransformError(
      name,
      undefined,
      `connectivity must be a positive integer or null, got ${String(c)}`,
    );
  const l = o.appliedLabels;
  if (l !== undefined && l !== null) {
    const arr = typeof l === 'number' ? [l] : Array.isArray(l) ? l : null;
    if (!arr || arr.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
      throw new TransformError(name, undefined, 'appliedLabels must be a number or an array of numbers');
  }
}

/**
 * Keeps only the largest connected component of each label (MONAI
 * `KeepLargestConnectedComponent`), for label maps or one-hot images.
 *
 * @example
 * await new KeepLargestConnectedComponent({ appliedLabels: [1], connectivity: 1 }).apply(seg);
 */
export class KeepLargestConnectedComponent extends ImageTransform<KeepLargestConnectedComponentOptions> {
  constructor(options: KeepLargestConnectedComponentOptions = {}) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('KeepLargestConnectedComponent', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return keepLargestConnectedComponent(img, this.options);
  }
}

/** Dictionary twin of {@link KeepLargestConnectedComponent}. */
export class KeepLargestConnectedComponentd extends ImageMapTransform<
  MapTransformOptions & KeepLargestConnectedComponentOptions
> {
  constructor(options: MapTransformOptions & KeepLargestConnectedComponentOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    checkOptions('KeepLargestConnectedComponentd', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return keepLargestConnectedComponent(img, this.options);
  }
}

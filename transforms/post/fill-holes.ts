import { TransformError } from '../../src/errors.js';
import { type MetaImage, stridesOf } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { requireOptions } from '../intensity/intensity-utils.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from '../intensity/image-transform.js';
import { resolveConnectivity } from './connected-components.js';
import { uniqueLabels } from './keep-largest-connected-component.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link FillHoles}. */
export interface FillHolesOptions {
  /** Labels (one-hot: channel indices) whose holes to fill; default all non-zero labels present. */
  appliedLabels?: number | readonly number[] | null;
  /** Connectivity of the background flood from the border (1..ndim hops, or 4/8, 6/18/26); default full. */
  connectivity?: number | null;
}

/** All neighbour offsets within `conn` hops, as flat deltas with their per-axis steps. */
function neighbourOffsets(shape: readonly number[], conn: number): { d: number[]; delta: number }[] {
  const nd = shape.length;
  const strides = stridesOf(shape);
  const out: { d: number[]; delta: number }[] = [];
  for (let k = 0; k < 3 ** nd; k++) {
    const d: number[] = [];
    let r = k;
    for (let a = 0; a < nd; a++) {
      d.unshift((r % 3) - 1);
      r = Math.floor(r / 3);
    }
    const hops = d.filter((x) => x !== 0).length;
    if (hops === 0 || hops > conn) continue;
    out.push({ d, delta: d.reduce((s, x, a) => s + x * (strides[a] as number), 0) });
  }
  return out;
}

/**
 * Voxels of `mask` (1 = passable) reachable from the image border through passable voxels — what
 * `scipy.ndimage.binary_dilation(zeros, structure, iterations=-1, mask, border_value=1)` computes.
 */
export function reachableFromBorder(
  mask: Uint8Array,
  shape: readonly number[],
  connectivity: number,
): Uint8Array {
  const nd = shape.length;
  const n = mask.length;
  const reached = new Uint8Array(n);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  const coord = new Array<number>(nd).fill(0);
  const decode = (i: number) => {
    for (let a = nd - 1; a >= 0; a--) {
      const s = shape[a] as number;
      coord[a] = i % s;
      i = Math.floor(i / s);
    }
  };
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    decode(i);
    if (coord.some((c, a) => c === 0 || c === (shape[a] as number) - 1)) {
      reached[i] = 1;
      queue[tail++] = i;
    }
  }
  const offs = neighbourOffsets(shape, connectivity);
  while (head < tail) {
    const i = queue[head++] as number;
    decode(i);
    for (const { d, delta } of offs) {
      let inside = true;
      for (let a = 0; a < nd; a++) {
        const c = (coord[a] as number) + (d[a] as number);
        if (c < 0 || c >= (shape[a] as number)) {
          inside = false;
          break;
        }
      }
      if (!inside) continue;
      const j = i + delta;
      if (mask[j] && !reached[j]) {
        reached[j] = 1;
        queue[tail++] = j;
      }
    }
  }
  return reached;
}

/**
 * FillHoles on one image (MONAI `fill_holes`): for each label, background enclosed by it (not reachable
 * from the border through non-label voxels) gets the label; one-hot channels become 1 there.
 * Labels are processed in ascending order. The dtype is kept.
 */
export function fillHoles(img: MetaImage, options: FillHolesOptions = {}): MetaImage {
  const isOnehot = img.numChannels > 1;
  const spatial = img.spatialShape;
  const conn = resolveConnectivity(options.connectivity, spatial.length, 'FillHoles');
  const given = options.appliedLabels;
  const labels = (
    given === null || given === undefined
      ? uniqueLabels(img, isOnehot, null)
      : typeof given === 'number'
        ? [given]
        : [...new Set(given)]
  )
    .filter((l) => l !== 0)
    .sort((a, b) => a - b);
  const per = spatial.reduce((a, b) => a * b, 1);
  const out = img.data.slice();
  const mask = new Uint8Array(per);
  for (const l of labels) {
    if (isOnehot && (!Number.isInteger(l) || l < 0 || l >= img.numChannels))
      throw new TransformError(
        'FillHoles',
        undefined,
        `label ${l} is not a channel of the one-hot image (${img.numChannels} channels)`,
      );
    const ch = out.subarray(isOnehot ? l * per : 0, (isOnehot ? l + 1 : 1) * per);
    for (let i = 0; i < per; i++) mask[i] = isOnehot ? (ch[i] === 0 ? 1 : 0) : ch[i] !== l ? 1 : 0;
    const reached = reachableFromBorder(mask, spatial, conn);
    if (isOnehot) for (let i = 0; i < per; i++) ch[i] = reached[i] ? 0 : 1;
    else for (let i = 0; i < per; i++) if (!reached[i]) ch[i] = l;
  }
  return img.clone({ data: out, dtype: img.dtype });
}

/**
 * Fills holes enclosed by each label (MONAI `FillHoles`); holes touching the border stay open.
 *
 * @example
 * await new FillHoles({ connectivity: 1 }).apply(seg);
 */
export class FillHoles extends ImageTransform<FillHolesOptions> {
  constructor(options: FillHolesOptions = {}) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return fillHoles(img, this.options);
  }
}

/** Dictionary twin of {@link FillHoles}. */
export class FillHolesd extends ImageMapTransform<MapTransformOptions & FillHolesOptions> {
  constructor(options: MapTransformOptions & FillHolesOptions) {
    checkedOptions(new.target.name, options);
    requireOptions(new.target.name, options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return fillHoles(img, this.options);
  }
}

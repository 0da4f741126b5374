/**
 * The sampling helpers behind MONAI's random crops, drawing from a RandomState in MONAI 1.4's order:
 * `get_random_patch`, `generate_pos_neg_label_crop_centers`, `generate_label_classes_crop_centers`,
 * `correct_crop_centers`, `map_classes_to_indices`, `weighted_patch_samples` (`map_binary_to_indices`
 * is utility's `mapBinaryToIndices`).
 * Pure functions on typed arrays (no Node APIs).
 */
import { type MetaImage, stridesOf } from '../../src/image/meta-image.js';
import { RandomState } from '../../src/random/index.js';
import { normaliseSeed } from '../randomizable.js';
import { fallBackTuple } from '../spatial/affine-utils.js';
import { fail } from '../keyed-errors.js';
import { numpyLinspace } from '../../src/image/linspace.js';
import { rounder, roundHalfEven } from '../../src/image/numerics.js';

/** Flat voxel indices (C order over the spatial axes). */
export type VoxelIndices = ArrayLike<number>;

/**
 * MONAI's `fall_back_tuple(user, default)` for sizes with `ensure_tuple_rep`'s length check: one value
 * for every axis or one per axis; values that are not positive take the default (the image size).
 */
export function checkedFallBackTuple(
  value: number | readonly number[],
  defaults: readonly number[],
  option = 'size',
  where = 'fall_back_tuple',
): number[] {
  const n = defaults.length;
  const list = typeof value === 'number' ? [value] : [...value];
  if (list.length !== 1 && list.length !== n)
    fail(
      where,
      `${option} has ${list.length} values but the image has ${n} spatial dimensions [${defaults.join(', ')}]`,
    );
  if (list.some((v) => typeof v !== 'number' || Number.isNaN(v)))
    fail(where, `${option} must hold numbers, got [${list.join(', ')}]`);
  return fallBackTuple(list.length === 1 ? (list[0] as number) : list, defaults);
}

/** MONAI's `get_valid_patch_size`: the patch size clipped to the image (0 → the whole axis). */
export function getValidPatchSize(imageSize: readonly number[], patchSize: readonly number[]): number[] {
  return imageSize.map((m, i) => {
    const p = patchSize[i] ?? 0;
    return Math.min(m, p || m);
  });
}

/**
 * MONAI's `get_random_patch`: a random box of `patchSize` inside `dims`, drawing
 * `R.randint(0, m - p + 1)` for each axis where the image is larger than the patch. Returns the start
 * and stop of each axis.
 */
export function getRandomPatch(
  dims: readonly number[],
  patchSize: readonly number[],
  R: RandomState,
): [number, number][] {
  return dims.map((m, i) => {
    const p = patchSize[i] as number;
    const start = m > p ? R.randint(0, m - p + 1) : 0;
    return [start, start + p];
  });
}

/** numpy's `unravel_index` in C order. */
export function unravelIndex(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let r = index;
  for (let i = shape.length - 1; i >= 0; i--) {
    const s = shape[i] as number;
    out[i] = r % s;
    r = Math.floor(r / s);
  }
  return out;
}

/**
 * MONAI's `correct_crop_centers`: moves each centre into the range where a `spatialSize` box fits
 * (`[⌊size/2⌋, uint16(shape + 1 − size/2) − 1]`). With `allowSmaller`, sizes larger than the image are
 * clipped to it; otherwise they are an error.
 */
export function correctCropCenters(
  centers: readonly number[],
  spatialSize: number | readonly number[],
  labelShape: readonly number[],
  allowSmaller = false,
  where = 'correct_crop_centers',
): number[] {
  let size = checkedFallBackTuple(spatialSize, labelShape, 'spatialSize', where);
  if (size.some((s, i) => (labelShape[i] as number) - s < 0)) {
    if (!allowSmaller)
      fail(
        where,
        `the crop size [${size.join(', ')}] is larger than the image [${labelShape.join(', ')}]; ` +
          'pass allowSmaller: true to crop what fits, or pad the image first (SpatialPadd)',
      );
    size = size.map((s, i) => Math.min(labelShape[i] as number, s));
  }
  return centers.map((c, i) => {
    const s = size[i] as number;
    const validStart = Math.floor(s / 2);
    // np.subtract(shape + 1, size / 2).astype(np.uint16)
    let validEnd = Math.trunc((labelShape[i] as number) + 1 - s / 2) & 0xffff;
    if (validStart === validEnd) validEnd += 1;
    return Math.trunc(Math.min(Math.max(c, validStart), validEnd - 1));
  });
}

/**
 * MONAI's `generate_pos_neg_label_crop_centers`: for each sample, `R.rand() < posRatio` picks the
 * foreground or background indices and `R.randint(len)` one of them; the voxel becomes a corrected
 * crop centre. If one set is empty, all samples come from the other (as MONAI, which warns).
 */
export function generatePosNegLabelCropCenters(
  spatialSize: number | readonly number[],
  numSamples: number,
  posRatio: number,
  labelShape: readonly number[],
  fgIndices: VoxelIndices,
  bgIndices: VoxelIndices,
  R: RandomState,
  allowSmaller = false,
  where = 'RandCropByPosNegLabel',
): number[][] {
  if (fgIndices.length === 0 && bgIndices.length === 0)
    fail(
      where,
      'no sampling location available: the label has neither foreground nor background voxels (check imageThreshold)',
    );
  let ratio = posRatio;
  if (fgIndices.length === 0 || bgIndices.length === 0) ratio = fgIndices.length === 0 ? 0 : 1;
  const centers: number[][] = [];
  for (let i = 0; i < numSamples; i++) {
    const use = R.rand() < ratio ? fgIndices : bgIndices;
    const k = R.randint(use.length);
    const center = unravelIndex(use[k] as number, labelShape);
    centers.push(correctCropCenters(center, spatialSize, labelShape, allowSmaller, where));
  }
  return centers;
}

/**
 * MONAI's `generate_label_classes_crop_centers`: classes are drawn with
 * `R.choice(n, numSamples, p=ratios / sum(ratios))` (classes without voxels get ratio 0), then one voxel
 * of each drawn class with `R.randint(len)`.
 */
export function generateLabelClassesCropCenters(
  spatialSize: number | readonly number[],
  numSamples: number,
  labelShape: readonly number[],
  indices: readonly VoxelIndices[],
  ratios: readonly number[] | null,
  R: RandomState,
  allowSmaller = false,
  where = 'RandCropByLabelClasses',
): number[][] {
  if (!Number.isInteger(numSamples) || numSamples < 1)
    fail(where, `numSamples must be an integer >= 1, got ${numSamples}`);
  const r = ratios === null ? indices.map(() => 1) : [...ratios];
  if (r.length !== indices.length)
    fail(where, `ratios has ${r.length} values but there are ${indices.length} classes`);
  if (r.some((v) => typeof v !== 'number' || !(v >= 0)))
    fail(where, `ratios must not be negative, got [${r.join(', ')}]`);
  indices.forEach((a, i) => {
    if (a.length === 0) r[i] = 0;
  });
  const sum = numpyPairwiseSum(r);
  if (!(sum > 0))
    fail(where, 'no class with voxels to crop around (all ratios are zero or all classes are empty)');
  const classes = R.choice(r.length, { size: numSamples, p: r.map((v) => v / sum) });
  return classes.map((c) => {
    const use = indices[c] as VoxelIndices;
    const k = R.randint(use.length);
    return correctCropCenters(
      unravelIndex(use[k] as number, labelShape),
      spatialSize,
      labelShape,
      allowSmaller,
      where,
    );
  });
}

/** `np.sum` of a short float vector: first element + pairwise rest (exact for the small integer ratios used). */
function numpyPairwiseSum(a: readonly number[]): number {
  if (a.length === 0) return 0;
  let rest = 0;
  if (a.length - 1 < 8) for (let i = 1; i < a.length; i++) rest += a[i] as number;
  else {
    const r = a.slice(1, 9) as number[];
    let i = 8;
    const n = a.length - 1;
    for (; i < n - (n % 8); i += 8)
      for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (a[1 + i + j] as number);
    rest = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) rest += a[1 + i] as number;
  }
  return (a[0] as number) + rest;
}

/** Spatial voxel count of a channel-first image. */
function spatialCount(img: MetaImage): number {
  return img.spatialShape.reduce((a, b) => a * b, 1);
}

/**
 * MONAI's `map_classes_to_indices`: the voxels of each class, from a one-hot label (one channel per
 * class) or an argmax label (`numClasses` required, class c = voxels equal to c), restricted to voxels
 * where any image channel is `> imageThreshold` when an image is given. `maxSamplesPerClass` keeps
 * `round(linspace(0, n - 1, max))` of the indices, as MONAI.
 */
export function mapClassesToIndices(
  label: MetaImage,
  numClasses: number | null = null,
  image: MetaImage | null = null,
  imageThreshold = 0,
  maxSamplesPerClass: number | null = null,
): Int32Array[] {
  const n = spatialCount(label);
  let imgMask: Uint8Array | null = null;
  if (image) {
    if (spatialCount(image) !== n)
      fail(
        'map_classes_to_indices',
        `image spatial shape [${image.spatialShape.join(', ')}] differs from the label's [${label.spatialShape.join(', ')}]`,
      );
    imgMask = new Uint8Array(n);
    for (let c = 0; c < image.numChannels; c++)
      for (let i = 0; i < n; i++) if ((image.data[c * n + i] as number) > imageThreshold) imgMask[i] = 1;
  }
  const channels = label.numChannels;
  let classes = channels;
  if (channels === 1) {
    if (numClasses === null || numClasses === undefined)
      fail(
        'map_classes_to_indices',
        'a single-channel (argmax) label needs numClasses; one-hot labels need one channel per class',
      );
    classes = numClasses;
  }
  const out: Int32Array[] = [];
  for (let c = 0; c < classes; c++) {
    const hits: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = channels > 1 ? (label.data[c * n + i] as number) !== 0 : (label.data[i] as number) === c;
      if (v && (!imgMask || imgMask[i])) hits.push(i);
    }
    let idx = Int32Array.from(hits);
    if (maxSamplesPerClass && idx.length > maxSamplesPerClass && idx.length > 1) {
      const src = idx;
      idx = Int32Array.from(
        numpyLinspace(0, idx.length - 1, maxSamplesPerClass),
        (x) => src[roundHalfEven(x)] as number,
      );
    }
    out.push(idx);
  }
  return out;
}

/**
 * MONAI's `weighted_patch_samples`: `nSamples` patch centres drawn with probability proportional to
 * the weights `w` (one channel, `shape` spatial) in the region where a `spatialSize` patch fits.
 * float32 weights are accumulated as torch's cumsum (float64 running sum stored as float32) and
 * searched with `R.random(n) * total` in float32; when the total is zero, infinite or negative, the
 * centres are uniform (`R.randint(0, n, size)`).
 */
export function weightedPatchSamples(
  spatialSize: number | readonly number[],
  w: ArrayLike<number>,
  shape: readonly number[],
  nSamples: number,
  R: RandomState,
  float32 = w instanceof Float32Array,
): number[][] {
  const win = checkedFallBackTuple(spatialSize, shape, 'spatialSize', 'weighted_patch_samples');
  const lo = shape.map((m, i) => {
    const p = win[i] as number;
    return m > p ? Math.floor(p / 2) : Math.floor(m / 2);
  });
  const hi = shape.map((m, i) => {
    const p = win[i] as number;
    return m > p ? m - p + Math.floor(p / 2) : Math.floor(m / 2) + 1;
  });
  const vShape = lo.map((l, i) => (hi[i] as number) - l);
  const size = vShape.reduce((a, b) => a * b, 1);
  const strides = stridesOf(shape);
  const f = rounder(float32 ? 'float32' : 'float64');
  const v = new Float64Array(size);
  const pos = new Array<number>(vShape.length).fill(0);
  let min = Infinity;
  for (let k = 0; k < size; k++) {
    let off = 0;
    for (let d = 0; d < vShape.length; d++)
      off += ((lo[d] as number) + (pos[d] as number)) * (strides[d] as number);
    const x = w[off] as number;
    v[k] = x;
    if (x < min) min = x;
    for (let d = vShape.length - 1; d >= 0; d--) {
      pos[d] = (pos[d] as number) + 1;
      if ((pos[d] as number) < (vShape[d] as number)) break;
      pos[d] = 0;
    }
  }
  if (min < 0) for (let k = 0; k < size; k++) v[k] = f((v[k] as number) - min);
  let acc = 0;
  for (let k = 0; k < size; k++) {
    acc += v[k] as number;
    v[k] = f(acc);
  }
  const total = size > 0 ? (v[size - 1] as number) : 0;
  let idx: number[];
  if (!total || !Number.isFinite(total) || total < 0) idx = R.randintArray(0, size, nSamples);
  else {
    const r = R.randArray(nSamples);
    idx = Array.from(r, (u) => {
      const target = f(f(u) * total);
      // searchsorted(v, target, right=True): first index with v[i] > target.
      let a = 0;
      let b = size;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if ((v[mid] as number) <= target) a = mid + 1;
        else b = mid;
      }
      return Math.min(a, size - 1);
    });
  }
  const diff = shape.map((m, i) => Math.floor(Math.min(win[i] as number, m) / 2));
  return idx.map((i) => unravelIndex(i, vShape).map((c, d) => c + (diff[d] as number)));
}

/**
 * The RandomState a `setRandomState(seed, state)` call gives (MONAI `set_random_state`): `state` itself
 * when given (shared), else `RandomState(seed % 2**32)`, else an entropy-seeded one.
 */
export function randomStateFor(seed?: number, state?: RandomState): RandomState {
  if (state !== undefined) return state;
  return seed === undefined ? new RandomState() : new RandomState(normaliseSeed(seed));
}

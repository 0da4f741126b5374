import { DatasetError } from '../src/errors.js';
import { RandomState } from '../src/random/random-state.js';

/** Options of {@link createTestImage2d} / {@link createTestImage3d}: MONAI's arguments, MONAI's defaults. */
export interface CreateTestImageOptions {
  /** Number of circles (spheres) drawn (default 12). */
  numObjs?: number;
  /** Largest radius, exclusive (default 30); every image axis must exceed `2·radMax`. */
  radMax?: number;
  /** Smallest radius (default 5, at least 1). */
  radMin?: number;
  /** Uniform noise in [0, numSegClasses·noiseMax) under the objects (default 0). */
  noiseMax?: number;
  /** Label classes; with more than 1 each object gets class ceil(u·numSegClasses) (default 5). */
  numSegClasses?: number;
  /** Adds a channel axis of size 1 first (`0`) or last (`-1`, or the spatial rank); default none. */
  channelDim?: number | null;
  /** Where the draws come from: a seed or a RandomState (default: a fresh unseeded RandomState). */
  randomState?: RandomState | number;
}

/** A synthetic image and its label map, C order over `shape` (MONAI returns the same two arrays). */
export interface TestImage {
  /** Intensities rescaled to [0, 1], float32. */
  image: Float32Array;
  /** Integer labels: 0 background, the object value rounded up elsewhere. */
  label: Int32Array;
  /** The arrays' shape (with the channel axis when `channelDim` is given). */
  shape: number[];
}

function createTestImage(size: readonly number[], options: CreateTestImageOptions): TestImage {
  const numObjs = options.numObjs ?? 12;
  const radMax = options.radMax ?? 30;
  const radMin = options.radMin ?? 5;
  const noiseMax = options.noiseMax ?? 0;
  const numSegClasses = options.numSegClasses ?? 5;
  if (radMax <= radMin) throw new DatasetError(`radMin ${radMin} should be less than radMax ${radMax}.`);
  if (radMin < 1) throw new DatasetError(`radMin ${radMin} should be no less than 1.`);
  const minSize = Math.min(...size);
  if (minSize <= 2 * radMax)
    throw new DatasetError(
      `the minimal size ${minSize} of the image should be larger than 2 * radMax (2x${radMax}).`,
    );
  const rs =
    options.randomState instanceof RandomState ? options.randomState : new RandomState(options.randomState);
  const nd = size.length;
  const total = size.reduce((a, b) => a * b, 1);
  const image = new Float64Array(total);
  const stride = size.map((_, a) => size.slice(a + 1).reduce((x, y) => x * y, 1));
  for (let o = 0; o < numObjs; o++) {
    const centre = size.map((n) => rs.randint(radMax, n - radMax));
    const rad = rs.randint(radMin, radMax);
    const value = numSegClasses > 1 ? Math.ceil(rs.random() * numSegClasses) : rs.random() * 0.5 + 0.5;
    // the bounding box of the disc/ball, clipped to the image
    const lo = centre.map((c) => Math.max(0, c - rad));
    const hi = centre.map((c, a) => Math.min((size[a] as number) - 1, c + rad));
    const coord = [...lo];
    for (;;) {
      let d2 = 0;
      let off = 0;
      for (let a = 0; a < nd; a++) {
        const d = (coord[a] as number) - (centre[a] as number);
        d2 += d * d;
        off += (coord[a] as number) * (stride[a] as number);
      }
      if (d2 <= rad * rad) image[off] = value;
      let a = nd - 1;
      for (; a >= 0; a--) {
        if (coord[a]! < hi[a]!) {
          coord[a]!++;
          break;
        }
        coord[a] = lo[a] as number;
      }
      if (a < 0) break;
    }
  }
  const label = new Int32Array(total);
  for (let i = 0; i < total; i++) label[i] = Math.ceil(image[i] as number);
  const noise = rs.uniformArray(0, numSegClasses * noiseMax, total);
  // MONAI's rescale_array: cast to float32 first, then (x - min) / (max - min) in float32
  const out = new Float32Array(total);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < total; i++) {
    const v = Math.fround(Math.max(image[i] as number, noise[i] as number));
    out[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) out.fill(0);
  else {
    const range = Math.fround(max - min);
    for (let i = 0; i < total; i++) out[i] = Math.fround((out[i] as number) - min) / range;
  }
  let shape = [...size];
  const cd = options.channelDim ?? null;
  if (cd !== null) {
    if (cd === 0) shape = [1, ...shape];
    else if (cd === -1 || cd === nd) shape = [...shape, 1];
    else throw new DatasetError(`invalid channelDim ${cd}: use 0, -1 or ${nd} (or null for none)`);
  }
  return { image: out, label, shape };
}

/**
 * MONAI's `create_test_image_2d`: `numObjs` random discs on a `height × width` image, with the same
 * draws as MONAI from a numpy-compatible RandomState (same seed, same image).
 *
 * @example
 * const { image, label, shape } = createTestImage2d(128, 128, { numSegClasses: 1, randomState: 0 });
 */
export function createTestImage2d(
  height: number,
  width: number,
  options: CreateTestImageOptions = {},
): TestImage {
  return createTestImage([height, width], options);
}

/** MONAI's `create_test_image_3d`: random balls on a `height × width × depth` volume (see {@link createTestImage2d}). */
export function createTestImage3d(
  height: number,
  width: number,
  depth: number,
  options: CreateTestImageOptions = {},
): TestImage {
  return createTestImage([height, width, depth], options);
}

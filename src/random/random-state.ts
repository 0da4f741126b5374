/**
 * `RandomState`: numpy's legacy `numpy.random.RandomState` (MT19937), bit for bit. The same seed gives
 * the same draws as numpy 1.24 (and every later numpy, whose legacy stream is frozen) for `rand`,
 * `randint`, `uniform`, `choice`, `shuffle` and `permutation`, so MONAI's random transforms can be
 * reproduced exactly. `normal` matches too except for about 4 values in 10,000, where glibc's `log`
 * is not correctly rounded (ours is): those differ from numpy's by one ulp.
 */
import type { NumericArray } from '../image/dtype.js';
import { MT19937, MT_STATE_LENGTH } from './mt19937.js';
import { correctlyRoundedLog } from './correctly-rounded-log.js';
import {
  WordBuffer,
  checkIntDType,
  drawBounded,
  mask32,
  planBounded,
  planInterval,
  type BoundedPlan,
  type IntDType,
} from './bounded-integers.js';

/** Largest seed + 1: seeds are integers in [0, MAX_SEED). MONAI reduces its seeds modulo this value. */
export const MAX_SEED = 2 ** 32;

/** Options of {@link RandomState.randint}. */
export interface RandintOptions {
  /** numpy dtype of the result; decides how many random bits each value consumes. Default `'int64'`. */
  dtype?: IntDType;
}

/** Options of {@link RandomState.choice}. */
export interface ChoiceOptions {
  /** Number of samples. Default 1 (numpy's `size=None` draws exactly as `size=1`). */
  size?: number;
  /** Sample with replacement. Default true. */
  replace?: boolean;
  /** Probability of each entry; must be non-negative and sum to 1 (within sqrt(eps)). */
  p?: ArrayLike<number>;
}

/**
 * The complete generator state, JSON-serialisable. Mirrors numpy's
 * `get_state()` = `('MT19937', key, pos, has_gauss, cached_gaussian)`.
 */
export interface RandomStateSnapshot {
  /** The 624 MT19937 state words (unsigned 32-bit integers). */
  key: number[];
  /** Position in `key`, 0..624. */
  pos: number;
  /** Whether a second Box–Muller value is cached for the next `standardNormal()`. */
  hasGauss: boolean;
  /** The cached value (0 when `hasGauss` is false). */
  gauss: number;
}

const SQRT_EPS64 = Math.sqrt(2 ** -52);
const SQRT_EPS32 = Math.sqrt(2 ** -23);

function describe(v: unknown): string {
  return typeof v === 'number' ? String(v) : `${typeof v} ${String(v)}`;
}

function checkSize(size: unknown, fn: string): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`${fn}: size must be a non-negative integer, got ${describe(size)}`);
  }
  return size;
}

function checkScale(scale: number, fn: string): void {
  // numpy's CONS_NON_NEGATIVE rejects NaN and anything with the sign bit set, -0 included.
  if (typeof scale !== 'number' || Number.isNaN(scale) || scale < 0 || Object.is(scale, -0)) {
    throw new RangeError(`${fn}: scale must be >= 0, got ${describe(scale)}`);
  }
}

function checkRange(low: number, high: number, fn: string): number {
  const range = high - low;
  if (typeof low !== 'number' || typeof high !== 'number' || !Number.isFinite(range)) {
    throw new RangeError(
      `${fn}: range high - low must be finite, got low ${describe(low)}, high ${describe(high)}`,
    );
  }
  return range;
}

/** numpy's `searchsorted(cdf, x, side='right')`: number of entries of the sorted `cdf` that are <= x. */
function searchRight(cdf: Float64Array, x: number): number {
  let lo = 0;
  let hi = cdf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sequential cumulative sum normalised by its last entry (numpy: `cdf = p.cumsum(); cdf /= cdf[-1]`). */
function normalisedCdf(p: Float64Array): Float64Array {
  const cdf = new Float64Array(p.length);
  let acc = 0;
  for (let i = 0; i < p.length; i++) {
    acc += p[i]!;
    cdf[i] = acc;
  }
  const last = cdf[cdf.length - 1]!;
  for (let i = 0; i < cdf.length; i++) cdf[i] = cdf[i]! / last;
  return cdf;
}

/** numpy's Kahan summation used to check that `p` sums to 1. */
function kahanSum(p: Float64Array): number {
  if (p.length === 0) return 0;
  let sum = p[0]!;
  let c = 0;
  for (let i = 1; i < p.length; i++) {
    const y = p[i]! - c;
    const t = sum + y;
    c = t - sum - y;
    sum = t;
  }
  return sum;
}

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= MAX_SEED) {
    throw new RangeError(
      `RandomState: seed must be an integer in [0, 2**32 - 1], got ${describe(seed)}` +
        ' (reduce larger seeds with seed % MAX_SEED, as MONAI does)',
    );
  }
  return seed;
}

/**
 * numpy's legacy `RandomState` (MT19937 + polar Box–Muller with a cached second value).
 *
 * @example
 * const R = new RandomState(0);
 * R.rand();              // 0.5488135039273248, as np.random.RandomState(0).rand()
 * R.randint(2 ** 32, undefined, { dtype: 'uint32' }); // a MONAI child seed
 */
export class RandomState {
  private readonly bg = new MT19937();
  private hasGauss = false;
  private gauss = 0;
  private readonly wordBuffer = new WordBuffer();

  /**
   * @param seed integer in [0, 2**32 - 1] (numpy's `RandomState(seed)`); omitted: seeded from
   *   `crypto.getRandomValues`. Anything else throws RangeError.
   */
  constructor(seed?: number) {
    this.seed(seed);
  }

  /** Re-seeds (numpy `seed(seed)`), clearing the cached normal value. See the constructor. */
  seed(seed?: number): void {
    if (seed === undefined) {
      this.seedFromEntropy();
    } else {
      this.bg.seed(checkSeed(seed));
    }
    this.hasGauss = false;
    this.gauss = 0;
  }

  private seedFromEntropy(): void {
    const key = this.bg.key;
    const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
    if (c?.getRandomValues) {
      // getRandomValues fills at most 65536 bytes per call; 624 words are 2496 bytes.
      c.getRandomValues(key);
    } else {
      for (let i = 0; i < key.length; i++) key[i] = Math.floor(Math.random() * MAX_SEED) ^ (Date.now() >>> 0);
    }
    key[0] = 0x80000000; // as numpy: a non-zero state whatever the entropy
    this.bg.pos = MT_STATE_LENGTH;
  }

  /** A new generator in the state `s` (see {@link getState}). */
  static fromState(s: RandomStateSnapshot): RandomState {
    const r = new RandomState(0);
    r.setState(s);
    return r;
  }

  /** The full state as plain JSON data; {@link setState} or {@link fromState} continue from it. */
  getState(): RandomStateSnapshot {
    return { key: Array.from(this.bg.key), pos: this.bg.pos, hasGauss: this.hasGauss, gauss: this.gauss };
  }

  /** Restores a state from {@link getState} (or numpy's `get_state()` fields). Throws RangeError if malformed. */
  setState(s: RandomStateSnapshot): void {
    if (typeof s !== 'object' || s === null) {
      throw new RangeError(
        `RandomState.setState: expected a { key, pos, hasGauss, gauss } object, got ${describe(s)}`,
      );
    }
    const { key, pos, hasGauss, gauss } = s as {
      key: unknown;
      pos: unknown;
      hasGauss: unknown;
      gauss: unknown;
    };
    if (!Array.isArray(key) && !(key instanceof Uint32Array)) {
      throw new RangeError('RandomState.setState: key must be an array of 624 unsigned 32-bit integers');
    }
    if (key.length !== MT_STATE_LENGTH) {
      throw new RangeError(`RandomState.setState: key must have ${MT_STATE_LENGTH} words, got ${key.length}`);
    }
    for (let i = 0; i < key.length; i++) {
      const w: unknown = key[i];
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w >= MAX_SEED) {
        throw new RangeError(
          `RandomState.setState: key[${i}] must be an unsigned 32-bit integer, got ${describe(w)}`,
        );
      }
    }
    if (typeof pos !== 'number' || !Number.isInteger(pos) || pos < 0 || pos > MT_STATE_LENGTH) {
      throw new RangeError(`RandomState.setState: pos must be an integer in [0, 624], got ${describe(pos)}`);
    }
    if (typeof hasGauss !== 'boolean') {
      throw new RangeError(`RandomState.setState: hasGauss must be a boolean, got ${describe(hasGauss)}`);
    }
    if (typeof gauss !== 'number') {
      throw new RangeError(`RandomState.setState: gauss must be a number, got ${describe(gauss)}`);
    }
    this.bg.key.set(key as ArrayLike<number>);
    this.bg.pos = pos;
    this.hasGauss = hasGauss;
    this.gauss = hasGauss ? gauss : 0;
  }

  /** A double in [0, 1) with 53 random bits (numpy `random_sample()`). */
  randomSample(): number {
    return this.bg.nextDouble();
  }

  /** Same as {@link randomSample} (numpy `rand()`). */
  rand(): number {
    return this.bg.nextDouble();
  }

  /** Same as {@link randomSample} (numpy `random()`). */
  random(): number {
    return this.bg.nextDouble();
  }

  /** `size` doubles in [0, 1) (numpy `rand(size)` / `random_sample(size)`). */
  randArray(size: number): Float64Array {
    const out = new Float64Array(checkSize(size, 'randArray'));
    this.bg.fillDoubles(out);
    return out;
  }

  /**
   * A random integer in [low, high), or [0, low) when `high` is omitted (numpy `randint`). The dtype
   * decides how many bits each value consumes, as in numpy. int64 bounds must lie within ±2^53.
   * Throws RangeError on non-integers, an empty range or bounds outside the dtype.
   */
  randint(low: number, high?: number, opts?: RandintOptions): number {
    const plan = this.plan(low, high, opts, 'randint');
    const buffer = this.wordBuffer;
    buffer.bcnt = 0;
    buffer.buf = 0;
    return drawBounded(this.bg, plan, buffer);
  }

  /**
   * `size` integers as numpy `randint(low, high, size)` (8/16-bit and bool dtypes share 32-bit words).
   * As numpy, `size` 0 gives `[]` without checking the bounds.
   */
  randintArray(low: number, high: number | undefined, size: number, opts?: RandintOptions): number[] {
    const n = checkSize(size, 'randintArray');
    checkIntDType(opts?.dtype ?? 'int64', 'randintArray');
    if (n === 0) return []; // numpy returns an empty array before checking the bounds
    const plan = this.plan(low, high, opts, 'randintArray');
    const buffer = new WordBuffer();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = drawBounded(this.bg, plan, buffer);
    return out;
  }

  private plan(
    low: number,
    high: number | undefined,
    opts: RandintOptions | undefined,
    fn: string,
  ): BoundedPlan {
    const dtype = checkIntDType(opts?.dtype ?? 'int64', fn);
    return high === undefined ? planBounded(0, low, dtype, fn) : planBounded(low, high, dtype, fn);
  }

  /** numpy's `random_interval(max)`: an integer in [0, max] by masked rejection (used by shuffle). */
  randomInterval(max: number): number {
    return drawBounded(this.bg, planInterval(max), this.wordBuffer);
  }

  /** `low + (high - low) * random_sample()` (numpy `uniform`). Throws RangeError if high - low is not finite. */
  uniform(low = 0, high = 1): number {
    const range = checkRange(low, high, 'uniform');
    return low + range * this.bg.nextDouble();
  }

  /** `size` values of {@link uniform}. */
  uniformArray(low: number, high: number, size: number): Float64Array {
    const range = checkRange(low, high, 'uniformArray');
    const out = new Float64Array(checkSize(size, 'uniformArray'));
    this.bg.fillDoubles(out);
    for (let i = 0; i < out.length; i++) out[i] = low + range * out[i]!;
    return out;
  }

  /** A standard normal value by numpy's legacy polar Box–Muller; every other call returns the cached twin. */
  standardNormal(): number {
    if (this.hasGauss) {
      const g = this.gauss;
      this.hasGauss = false;
      this.gauss = 0;
      return g;
    }
    const bg = this.bg;
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * bg.nextDouble() - 1;
      x2 = 2 * bg.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * correctlyRoundedLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** `loc + scale * standardNormal()` (numpy `normal`). Throws RangeError if scale < 0 or NaN. */
  normal(loc = 0, scale = 1): number {
    checkScale(scale, 'normal');
    return loc + scale * this.standardNormal();
  }

  /** `size` values of {@link normal}. */
  normalArray(size: number, loc = 0, scale = 1): Float64Array {
    checkScale(scale, 'normalArray');
    const out = new Float64Array(checkSize(size, 'normalArray'));
    for (let i = 0; i < out.length; i++) out[i] = loc + scale * this.standardNormal();
    return out;
  }

  /**
   * Indices sampled from `range(a)` as numpy's legacy `choice(a, size, replace, p)`: with `p`, a
   * normalised cdf searched with `random_sample` draws; without replacement and without `p`, the first
   * `size` entries of `permutation(a)`; without replacement with `p`, numpy's redraw loop.
   * Throws RangeError on invalid `a`, `size` or `p`.
   */
  choice(a: number, opts: ChoiceOptions = {}): number[] {
    const size = checkSize(opts.size ?? 1, 'choice');
    const replace = opts.replace ?? true;
    if (typeof a !== 'number' || !Number.isSafeInteger(a)) {
      throw new RangeError(`choice: a must be an integer population size, got ${describe(a)}`);
    }
    if (a <= 0 && size !== 0) {
      throw new RangeError(`choice: a must be greater than 0 unless no samples are taken, got ${a}`);
    }
    const pop = Math.max(a, 0);
    let p: Float64Array | undefined;
    if (opts.p !== undefined) {
      const raw = opts.p;
      if (raw === null || typeof raw !== 'object' || typeof raw.length !== 'number') {
        throw new RangeError('choice: p must be an array of probabilities');
      }
      if (raw.length !== pop) {
        throw new RangeError(
          `choice: a and p must have the same size (a ${pop}, p has ${raw.length} entries)`,
        );
      }
      p = Float64Array.from(raw);
      const atol = raw instanceof Float32Array ? Math.max(SQRT_EPS64, SQRT_EPS32) : SQRT_EPS64;
      const sum = kahanSum(p);
      if (Number.isNaN(sum)) throw new RangeError('choice: probabilities p contain NaN');
      if (p.some((v) => v < 0)) throw new RangeError('choice: probabilities p must be non-negative');
      if (Math.abs(sum - 1) > atol)
        throw new RangeError(`choice: probabilities p must sum to 1, they sum to ${sum}`);
    }

    if (replace) {
      if (p === undefined) return this.randintArray(0, pop, size);
      const cdf = normalisedCdf(p);
      const u = this.randArray(size);
      const out = new Array<number>(size);
      for (let i = 0; i < size; i++) out[i] = searchRight(cdf, u[i]!);
      return out;
    }
    if (size > pop) {
      throw new RangeError(
        `choice: cannot take a larger sample (${size}) than the population (${pop}) without replacement`,
      );
    }
    if (p === undefined) return this.permutation(pop).slice(0, size);

    let nonZero = 0;
    for (const v of p) if (v > 0) nonZero++;
    if (nonZero < size) {
      throw new RangeError(`choice: fewer non-zero entries in p (${nonZero}) than size (${size})`);
    }
    const found: number[] = [];
    while (found.length < size) {
      const x = this.randArray(size - found.length);
      for (const idx of found) p[idx] = 0;
      const cdf = normalisedCdf(p);
      // np.unique(..., return_index=True) + sort of the indices: new values in order of first appearance.
      const seen = new Set<number>();
      for (let i = 0; i < x.length; i++) {
        const v = searchRight(cdf, x[i]!);
        if (!seen.has(v)) {
          seen.add(v);
          found.push(v);
        }
      }
    }
    return found;
  }

  /** {@link choice} over the entries of `items` instead of indices. */
  choiceOf<T>(items: ArrayLike<T>, opts: ChoiceOptions = {}): T[] {
    if (items === null || typeof items !== 'object' || typeof items.length !== 'number') {
      throw new RangeError('choiceOf: items must be an array');
    }
    if (items.length === 0 && (opts.size ?? 1) !== 0) {
      throw new RangeError('choiceOf: items cannot be empty unless no samples are taken');
    }
    return this.choice(items.length, opts).map((i) => items[i] as T);
  }

  /** Shuffles in place as numpy's legacy `shuffle`: Fisher–Yates from the end with `random_interval(i)`. */
  shuffle<T>(arr: T[] | NumericArray): void {
    if (arr === null || typeof arr !== 'object' || typeof arr.length !== 'number') {
      throw new RangeError('shuffle: expected an array or a typed array');
    }
    const a = arr as T[];
    const bg = this.bg;
    for (let i = a.length - 1; i > 0; i--) {
      // random_interval(i) inlined: i < 2^32 for any array.
      const mask = mask32(i);
      let j: number;
      do j = (bg.next32() & mask) >>> 0;
      while (j > i);
      const t = a[i] as T;
      a[i] = a[j] as T;
      a[j] = t;
    }
  }

  /** A shuffled `[0, 1, ..., n - 1]` (numpy `permutation(n)`). */
  permutation(n: number): number[] {
    const len = checkSize(n, 'permutation');
    const out = new Array<number>(len);
    for (let i = 0; i < len; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }
}

/**
 * MONAI's random Compose variants: {@link OneOf} (one transform, picked by weight), {@link RandomOrder}
 * (all transforms, shuffled) and {@link SomeOf} (a random subset). They draw from their own
 * RandomState in MONAI 1.4's order (`multinomial`, `permutation`, `randint` + `choice`), record the
 * choice on every image of the item (`applied_operations`) and invert only what they applied.
 */
import { TransformError } from '../src/errors.js';
import { MetaImage } from '../src/image/meta-image.js';
import type { RandomState } from '../src/random/index.js';
import {
  Compose,
  type ComposeOptions,
  type ComposeRange,
  type ComposeStep,
  applyStep,
  stepName,
} from './compose.js';
import { isInvertible, markInvertible, popOperation, pushOperation } from './invertible.js';
import { wrapTransformError } from './transform.js';

/**
 * numpy's `np.sum` of a float64 vector (`add.reduce`): the first element plus the pairwise sum of the
 * rest (8-way unrolled blocks of up to 128), so weight normalisation rounds as in MONAI.
 */
export function numpySum(a: readonly number[]): number {
  if (a.length === 0) return 0;
  return (a[0] as number) + pairwiseSum(a, 1, a.length - 1);
}

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i] as number;
    return res;
  }
  if (n <= 128) {
    const r = new Array<number>(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j] as number;
    let i = 8;
    for (; i < n - (n % 8); i += 8)
      for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (a[start + i + j] as number);
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i] as number;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** Checks and normalises weights as MONAI (`weights / weights.sum()`); throws TransformError when invalid. */
function normaliseWeights(weights: readonly number[], name: string): number[] {
  if (weights.some((w) => typeof w !== 'number' || !Number.isFinite(w)))
    throw new TransformError(name, undefined, `weights must be finite numbers, got [${weights.join(', ')}]`);
  if (weights.some((w) => w < 0))
    throw new TransformError(name, undefined, `weights must not be negative, got [${weights.join(', ')}]`);
  if (weights.every((w) => w === 0))
    throw new TransformError(name, undefined, 'at least one weight must be positive');
  const sum = numpySum(weights);
  return weights.map((w) => w / sum);
}

/**
 * numpy's legacy `random_binomial` by inversion (used for `n * min(p, 1 - p) <= 30`, always the case
 * for the single trial of {@link multinomial}).
 */
function binomialInversion(R: RandomState, n: number, p: number): number {
  const q = 1 - p;
  const qn = Math.exp(n * Math.log(q));
  const np = n * p;
  const bound = Math.trunc(Math.min(n, np + 10 * Math.sqrt(np * q + 1)));
  let x = 0;
  let px = qn;
  let u = R.rand();
  while (u > px) {
    x++;
    if (x > bound) {
      x = 0;
      px = qn;
      u = R.rand();
    } else {
      u -= px;
      px = ((n - x + 1) * p * px) / (x * q);
    }
  }
  return x;
}

function binomial(R: RandomState, p: number, n: number): number {
  if (n === 0 || p === 0) return 0;
  if (p <= 0.5) {
    if (p * n > 30) throw new RangeError('binomial: only n * p <= 30 is implemented');
    return binomialInversion(R, n, p);
  }
  const q = 1 - p;
  if (q * n > 30) throw new RangeError('binomial: only n * (1 - p) <= 30 is implemented');
  return n - binomialInversion(R, n, q);
}

/**
 * numpy's legacy `RandomState.multinomial(n, pvals)` for small `n` (one sample): the count of each
 * outcome, drawn with one binomial per outcome as numpy does. MONAI's OneOf calls it with n = 1.
 */
export function multinomial(R: RandomState, n: number, pvals: readonly number[]): number[] {
  const d = pvals.length;
  const out = new Array<number>(d).fill(0);
  if (d === 0) return out;
  let kahan = 0;
  let c = 0;
  for (let j = 0; j < d - 1; j++) {
    const y = (pvals[j] as number) - c;
    const t = kahan + y;
    c = t - kahan - y;
    kahan = t;
  }
  if (kahan > 1 + 1e-12) throw new RangeError('multinomial: sum(pvals[:-1]) > 1.0');
  let remaining = 1;
  let dn = n;
  for (let j = 0; j < d - 1; j++) {
    const k = binomial(R, (pvals[j] as number) / remaining, dn);
    out[j] = k;
    dn -= k;
    if (dn <= 0) break;
    remaining -= pvals[j] as number;
  }
  if (dn > 0) out[d - 1] = dn;
  return out;
}

/** Records `extraInfo` under `className` on the item's images (MONAI: every MetaTensor of a dict). */
function traceItem(data: unknown, className: string, extraInfo: Record<string, unknown>): unknown {
  const mark = (img: MetaImage): MetaImage => {
    const out = img.clone({ data: img.data });
    pushOperation(out, className, out.spatialShape, extraInfo);
    return out;
  };
  if (MetaImage.isMetaImage(data)) return mark(data);
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const d = { ...(data as Record<string, unknown>) };
    for (const [k, v] of Object.entries(d)) if (MetaImage.isMetaImage(v)) d[k] = mark(v);
    return d;
  }
  return data;
}

/** Pops `className`'s record from the item's images; returns the item and the last record's extra info. */
function untraceItem(
  data: unknown,
  className: string,
): { data: unknown; info: Record<string, unknown> | undefined } {
  if (MetaImage.isMetaImage(data)) {
    const out = data.clone({ data: data.data });
    return { data: out, info: popOperation(out, className).extra_info };
  }
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const d = { ...(data as Record<string, unknown>) };
    let info: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(d))
      if (MetaImage.isMetaImage(v)) {
        const out = v.clone({ data: v.data });
        info = popOperation(out, className, k).extra_info;
        d[k] = out;
      }
    return { data: d, info };
  }
  throw new TransformError(
    className,
    undefined,
    'inverse is only implemented for a MetaImage or a dictionary item',
  );
}

function checkRange(name: string, range: ComposeRange): void {
  if ((range.start ?? 0) !== 0 || range.end !== undefined)
    throw new TransformError(
      name,
      undefined,
      `${name} cannot be run partially (start/end are not supported)`,
    );
}

/** Options of {@link OneOf}. */
export interface OneOfOptions extends ComposeOptions {
  /** Relative probability of each transform (normalised; default equal). */
  weights?: readonly number[] | number | null;
}

/**
 * Applies exactly one of its transforms, picked at random with `weights` (MONAI `OneOf`:
 * `R.multinomial(1, weights).argmax()`). Invertible: the pick is recorded on the item's images.
 *
 * @example
 * const aug = new OneOf([new RandFlipd({ keys: 'image', prob: 1 }), new RandRotate90d({ keys: 'image', prob: 1 })], { weights: [2, 1] });
 */
export class OneOf extends Compose {
  /** The normalised weights, one per transform. */
  readonly weights: number[];

  constructor(transforms: ComposeStep | readonly ComposeStep[] = [], options: OneOfOptions = {}) {
    super(transforms, options);
    markInvertible(this);
    const n = this.transforms.length;
    let w = options.weights;
    if (n === 0) w = [];
    else if (w === undefined || w === null || typeof w === 'number') w = new Array<number>(n).fill(1 / n);
    if (!Array.isArray(w) || w.length !== n)
      throw new TransformError(
        'OneOf',
        undefined,
        `got ${Array.isArray(w) ? w.length : 0} weights for ${n} transforms`,
      );
    this.weights = n === 0 ? [] : normaliseWeights(w, 'OneOf');
  }

  /** Draws the index of the transform to apply (MONAI's draw). */
  pickIndex(): number {
    const counts = multinomial(this.R, 1, this.weights);
    return counts.indexOf(Math.max(...counts));
  }

  override async apply(input: any, range: ComposeRange = {}): Promise<any> {
    checkRange('OneOf', range);
    if (this.transforms.length === 0) return input;
    const index = this.pickIndex();
    const step = this.transforms[index] as ComposeStep;
    const out = await applyStep(step, input, this.mapItems, this.unpackItems);
    return traceItem(out, 'OneOf', { index });
  }

  override async inverse(data: any): Promise<any> {
    if (this.transforms.length === 0) return data;
    const { data: d, info } = untraceItem(data, 'OneOf');
    const index = info?.index;
    if (typeof index !== 'number') return d;
    const t = this.transforms[index];
    if (!isInvertible(t)) return d;
    try {
      return await t.inverse(d);
    } catch (e) {
      throw wrapTransformError(e, stepName(t as ComposeStep));
    }
  }

  /** Inlines nested OneOfs, multiplying their weights (MONAI `OneOf.flatten`). */
  override flatten(): OneOf {
    const transforms: ComposeStep[] = [];
    const weights: number[] = [];
    this.transforms.forEach((t, i) => {
      const w = this.weights[i] as number;
      if (t instanceof OneOf) {
        const f = t.flatten();
        f.transforms.forEach((t2, j) => {
          transforms.push(t2);
          weights.push((f.weights[j] as number) * w);
        });
      } else {
        transforms.push(t);
        weights.push(w);
      }
    });
    return new OneOf(transforms, { weights, mapItems: this.mapItems, unpackItems: this.unpackItems });
  }
}

/** Runs `order` of `transforms` and inverts it (shared by RandomOrder and SomeOf). */
async function applyOrder(c: Compose, order: readonly number[], input: unknown): Promise<unknown> {
  let data = input;
  for (const i of order)
    data = await applyStep(c.transforms[i] as ComposeStep, data, c.mapItems, c.unpackItems);
  return data;
}

async function invertOrder(c: Compose, className: string, data: unknown): Promise<unknown> {
  if (c.transforms.length === 0) return data;
  const { data: d0, info } = untraceItem(data, className);
  const order = info?.applied_order;
  if (!Array.isArray(order)) return d0;
  let d = d0;
  for (const i of [...(order as number[])].reverse()) {
    const t = c.transforms[i];
    if (!isInvertible(t)) continue;
    try {
      d = await t.inverse(d);
    } catch (e) {
      throw wrapTransformError(e, stepName(t as ComposeStep));
    }
  }
  return d;
}

/**
 * Applies all its transforms in a random order (MONAI `RandomOrder`: `R.permutation(n)`).
 * Invertible: the order is recorded on the item's images and undone in reverse.
 */
export class RandomOrder extends Compose {
  constructor(transforms: ComposeStep | readonly ComposeStep[] = [], options: ComposeOptions = {}) {
    super(transforms, options);
    markInvertible(this);
  }

  override async apply(input: any, range: ComposeRange = {}): Promise<any> {
    checkRange('RandomOrder', range);
    if (this.transforms.length === 0) return input;
    const order = this.R.permutation(this.transforms.length);
    return traceItem(await applyOrder(this, order, input), 'RandomOrder', { applied_order: order });
  }

  override async inverse(data: any): Promise<any> {
    return invertOrder(this, 'RandomOrder', data);
  }

  override flatten(): RandomOrder {
    return this;
  }
}

/** Options of {@link SomeOf}. */
export interface SomeOfOptions extends ComposeOptions {
  /** How many transforms to apply: a number, `[min, max]` (inclusive), or null for all. */
  numTransforms?: number | readonly [number, number] | null;
  /** Sample with replacement (a transform may run more than once). Default false. */
  replace?: boolean;
  /** Relative probability of each transform (normalised); default uniform. */
  weights?: readonly number[] | null;
}

/**
 * Applies a random subset of its transforms (MONAI `SomeOf`): the count is drawn with
 * `R.randint(min, max + 1)`, the transforms with `R.choice(n, count, replace, p=weights)`, applied in
 * the drawn order. Invertible.
 */
export class SomeOf extends Compose {
  readonly minNumTransforms: number;
  readonly maxNumTransforms: number;
  readonly replace: boolean;
  /** Normalised weights, or null for uniform. */
  readonly weights: number[] | null;

  constructor(transforms: ComposeStep | readonly ComposeStep[] = [], options: SomeOfOptions = {}) {
    super(transforms, options);
    markInvertible(this);
    const n = this.transforms.length;
    const num = options.numTransforms;
    const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (num === undefined || num === null) {
      this.minNumTransforms = n;
      this.maxNumTransforms = n;
    } else if (isInt(num)) {
      this.minNumTransforms = Math.min(n, num as number);
      this.maxNumTransforms = this.minNumTransforms;
    } else if (
      Array.isArray(num) &&
      num.length === 2 &&
      num.every(isInt) &&
      (num[0] as number) <= (num[1] as number)
    ) {
      this.minNumTransforms = Math.min(n, num[0] as number);
      this.maxNumTransforms = Math.min(n, num[1] as number);
    } else
      throw new TransformError(
        'SomeOf',
        undefined,
        `numTransforms must be a non-negative integer, [min, max] with min <= max, or null; got ${JSON.stringify(num)}`,
      );
    this.replace = options.replace ?? false;
    const w = options.weights;
    if (w === undefined || w === null || n === 0) this.weights = null;
    else {
      if (!Array.isArray(w) || w.length !== n)
        throw new TransformError(
          'SomeOf',
          undefined,
          `got ${Array.isArray(w) ? w.length : 0} weights for ${n} transforms`,
        );
      this.weights = normaliseWeights(w, 'SomeOf');
    }
  }

  /** Draws the transforms to apply, in order (MONAI's draws). */
  pickOrder(): number[] {
    const size = this.R.randint(this.minNumTransforms, this.maxNumTransforms + 1);
    try {
      return this.R.choice(this.transforms.length, {
        size,
        replace: this.replace,
        ...(this.weights ? { p: this.weights } : {}),
      });
    } catch (e) {
      throw new TransformError('SomeOf', undefined, (e as Error).message, { cause: e });
    }
  }

  override async apply(input: any, range: ComposeRange = {}): Promise<any> {
    checkRange('SomeOf', range);
    if (this.transforms.length === 0) return input;
    const order = this.pickOrder();
    return traceItem(await applyOrder(this, order, input), 'SomeOf', { applied_order: order });
  }

  override async inverse(data: any): Promise<any> {
    return invertOrder(this, 'SomeOf', data);
  }

  override flatten(): SomeOf {
    return this;
  }
}

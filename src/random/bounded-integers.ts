/**
 * numpy's legacy bounded-integer sampling (`RandomState.randint`, `random_interval`): masked
 * rejection sampling on the closed range [low, low + rng]. Ranges that fit in 32 bits draw one
 * 32-bit word per try; wider int64 ranges draw a 64-bit word (first word high, second low).
 * 8-bit, 16-bit and bool dtypes cut each 32-bit word into 4, 2 or 32 pieces; the pieces left over
 * are kept for the next value of the same array, never across calls (numpy's per-call buffer).
 */
import type { MT19937 } from './mt19937.js';

/** Integer dtypes accepted by `randint`, with numpy's names. */
export type IntDType = 'int64' | 'int32' | 'uint32' | 'int16' | 'uint16' | 'int8' | 'uint8' | 'bool';

interface IntDTypeInfo {
  /** Smallest allowed `low`. */
  readonly min: number;
  /** Largest allowed value (inclusive). */
  readonly max: number;
  /** Bits taken from a 32-bit word per try (1 for bool); 32 for the 32/64-bit dtypes. */
  readonly width: 1 | 8 | 16 | 32;
}

const TWO_53 = 2 ** 53;

const INT_DTYPES: Record<IntDType, IntDTypeInfo> = {
  // int64 bounds are limited to what a double holds exactly.
  int64: { min: -TWO_53, max: TWO_53 - 1, width: 32 },
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1, width: 32 },
  uint32: { min: 0, max: 2 ** 32 - 1, width: 32 },
  int16: { min: -(2 ** 15), max: 2 ** 15 - 1, width: 16 },
  uint16: { min: 0, max: 2 ** 16 - 1, width: 16 },
  int8: { min: -(2 ** 7), max: 2 ** 7 - 1, width: 8 },
  uint8: { min: 0, max: 2 ** 8 - 1, width: 8 },
  bool: { min: 0, max: 1, width: 1 },
};

/** Every dtype `randint` accepts. */
export const INT_DTYPE_NAMES: readonly IntDType[] = Object.keys(INT_DTYPES) as IntDType[];

/** A validated sampling plan for values in [low, low + rng]. */
export interface BoundedPlan {
  readonly low: number;
  /** Pieces per 32-bit word: 32 = whole words (no buffering). */
  readonly width: 1 | 8 | 16 | 32;
  /** `rng` when it fits in 32 bits, else -1 (then the `wide*` fields are used). */
  readonly rng: number;
  readonly mask: number;
  readonly wideRngHi: number;
  readonly wideRngLo: number;
  readonly wideMaskHi: number;
}

/** Leftover bits of the last 32-bit word, for the 8/16-bit and bool dtypes (numpy's `buf`/`bcnt`). */
export class WordBuffer {
  buf = 0;
  bcnt = 0;
}

/** Smallest all-ones mask >= `v` for 0 <= v < 2^32. */
export function mask32(v: number): number {
  let r = v >>> 0;
  r |= r >>> 1;
  r |= r >>> 2;
  r |= r >>> 4;
  r |= r >>> 8;
  r |= r >>> 16;
  return r >>> 0;
}

function describe(v: unknown): string {
  return typeof v === 'number' ? String(v) : `${typeof v} ${String(v)}`;
}

/** Checks a dtype name and returns it. Throws RangeError naming the accepted dtypes. */
export function checkIntDType(dtype: unknown, fn: string): IntDType {
  if (typeof dtype === 'string' && Object.prototype.hasOwnProperty.call(INT_DTYPES, dtype)) {
    return dtype as IntDType;
  }
  throw new RangeError(
    `${fn}: unsupported dtype ${describe(dtype)}; use one of ${INT_DTYPE_NAMES.join(', ')}`,
  );
}

/**
 * Validates `[low, high)` for `dtype` as numpy's `randint` does and returns the sampling plan.
 * Throws RangeError on non-integers, bounds outside the dtype (for int64: outside ±2^53) or low >= high.
 */
export function planBounded(low: number, high: number, dtype: IntDType, fn = 'randint'): BoundedPlan {
  const info = INT_DTYPES[dtype];
  if (typeof low !== 'number' || !Number.isInteger(low)) {
    throw new RangeError(`${fn}: low must be an integer, got ${describe(low)}`);
  }
  if (typeof high !== 'number' || !Number.isInteger(high)) {
    throw new RangeError(`${fn}: high must be an integer, got ${describe(high)}`);
  }
  const highIncl = high - 1;
  if (low < info.min) {
    throw new RangeError(`${fn}: low ${low} is out of bounds for ${dtype} (smallest allowed: ${info.min})`);
  }
  if (highIncl > info.max) {
    throw new RangeError(
      `${fn}: high ${high} is out of bounds for ${dtype} (largest allowed: ${info.max + 1}, exclusive)`,
    );
  }
  if (low > highIncl) {
    throw new RangeError(
      `${fn}: low >= high (low ${low}, high ${high}); the range [low, high) must not be empty`,
    );
  }
  const rng = highIncl - low;
  if (rng <= 0xffffffff) {
    return { low, width: info.width, rng, mask: mask32(rng), wideRngHi: 0, wideRngLo: 0, wideMaskHi: 0 };
  }
  const exact = BigInt(highIncl) - BigInt(low);
  const hi = Number(exact >> 32n);
  return {
    low,
    width: 32,
    rng: -1,
    mask: 0,
    wideRngHi: hi,
    wideRngLo: Number(exact & 0xffffffffn),
    wideMaskHi: mask32(hi),
  };
}

/** Plan for numpy's `random_interval(max)`: a value in [0, max], 0 <= max <= 2^53 - 1. */
export function planInterval(max: number, fn = 'randomInterval'): BoundedPlan {
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) {
    throw new RangeError(`${fn}: max must be an integer in [0, 2^53 - 1], got ${describe(max)}`);
  }
  return planBounded(0, max + 1, 'int64', fn);
}

/** Draws one value of `plan`, consuming words from `bg` exactly as numpy does. */
export function drawBounded(bg: MT19937, plan: BoundedPlan, buffer: WordBuffer): number {
  const rng = plan.rng;
  if (rng === 0) return plan.low;
  if (rng > 0) {
    const mask = plan.mask;
    const width = plan.width;
    let v: number;
    if (width === 32) {
      do v = (bg.next32() & mask) >>> 0;
      while (v > rng);
      return plan.low + v;
    }
    const pieces = width === 16 ? 1 : width === 8 ? 3 : 31;
    do {
      if (buffer.bcnt === 0) {
        buffer.buf = bg.next32();
        buffer.bcnt = pieces;
      } else {
        buffer.buf >>>= width;
        buffer.bcnt -= 1;
      }
      v = buffer.buf & mask;
    } while (v > rng);
    return plan.low + v;
  }
  // 64-bit masked path: next_uint64 = (first word << 32) | second word.
  const rngHi = plan.wideRngHi;
  const rngLo = plan.wideRngLo;
  const maskHi = plan.wideMaskHi;
  let hi: number;
  let lo: number;
  do {
    hi = (bg.next32() & maskHi) >>> 0;
    lo = bg.next32();
  } while (hi > rngHi || (hi === rngHi && lo > rngLo));
  if (hi < 2 ** 21) return plan.low + (hi * 4294967296 + lo);
  return Number(BigInt(plan.low) + (BigInt(hi) << 32n) + BigInt(lo));
}

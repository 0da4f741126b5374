/**
 * A correctly rounded natural logarithm, for numpy's legacy normal generator, which calls the C
 * library's `log`. V8's `Math.log` (fdlibm) is one ulp off for a few percent of inputs, which changes
 * about 3% of normal draws in the last bit (and three of rng.json's five normal streams). glibc's
 * `log` is correctly rounded for all but about 0.1% of inputs; this one always is, so normal draws
 * match numpy on glibc except for roughly 4 in 10,000 values, which differ by one ulp.
 * Computed in double-double arithmetic: a table-driven fast path (error below 2^-66 relative) and,
 * when that cannot decide the rounding, a slower series with error near 2^-100.
 */

import { SPLITTER, twoProduct } from '../image/numerics.js';

// ---------------------------------------------------------------------------------------------
// Double-double helpers (Dekker / Knuth, no fused multiply-add); the two-product is the numerics module's.

/** A double-double value hi + lo with |lo| <= ulp(hi) / 2. */
type DD = readonly [number, number];

function ddNorm(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function ddAdd(x: DD, y: DD): DD {
  let s = x[0] + y[0];
  let bb = s - x[0];
  let e = x[0] - (s - bb) + (y[0] - bb);
  const t = x[1] + y[1];
  bb = t - x[1];
  const f = x[1] - (t - bb) + (y[1] - bb);
  e += t;
  let h = s + e;
  e = e - (h - s);
  s = h;
  e += f;
  h = s + e;
  return [h, e - (h - s)];
}

const scratch = new Float64Array(2);

function ddMul(x: DD, y: DD): DD {
  twoProduct(x[0], y[0], scratch);
  const p = scratch[0]!;
  const e = scratch[1]! + (x[0] * y[1] + x[1] * y[0]);
  const h = p + e;
  return [h, e - (h - p)];
}

function ddDiv(x: DD, y: DD): DD {
  const q1 = x[0] / y[0];
  let r = ddAdd(x, ddMul(y, [-q1, 0]));
  const q2 = r[0] / y[0];
  r = ddAdd(r, ddMul(y, [-q2, 0]));
  const q3 = r[0] / y[0];
  return ddAdd(ddNorm(q1, q2), [q3, 0]);
}

/** 2 * atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) in double-double, for |s| <= 1/3; `terms` odd powers. */
function twoAtanh(s: DD, terms: number): DD {
  const t = ddMul(s, s);
  let p: DD = ddDiv([1, 0], [2 * terms - 1, 0]);
  for (let j = terms - 2; j >= 0; j--) p = ddAdd(ddMul(p, t), ddDiv([1, 0], [2 * j + 1, 0]));
  const r = ddMul(s, p);
  return [2 * r[0], 2 * r[1]];
}

// ln 2 = 2 atanh(1/3); (1/9)^40 < 2^-126.
const LN2: DD = twoAtanh(ddDiv([1, 0], [3, 0]), 40);

// ---------------------------------------------------------------------------------------------
// Bit access.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word is [1]

/** Splits finite x > 0 into z * 2^k with z in [0.75, 1.5). Returns z; k in `expOut[0]`. */
function reduce(x: number, expOut: Int32Array): number {
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: subnormal -> normal, exactly
    k = -54;
  }
  f64[0] = x;
  const hi = u32[HI]!;
  k += ((hi >>> 20) & 0x7ff) - 1023;
  u32[HI] = (hi & 0x800fffff) | 0x3ff00000;
  let z = f64[0]!;
  if (z >= 1.5) {
    z *= 0.5;
    k += 1;
  }
  expOut[0] = k;
  return z;
}

const kOut = new Int32Array(1);

/** log(x) in double-double with relative error near 2^-100 (slow; used for the table and hard cases). */
export function logDoubleDouble(x: number): DD {
  const z = reduce(x, kOut);
  const k = kOut[0]!;
  // z in [0.75, 1.5): s = (z - 1) / (z + 1) in [-1/7, 1/5]; s^2 <= 1/25, (1/25)^24 < 2^-111.
  const s = ddDiv([z - 1, 0], ddNorm(z, 1));
  const lz = twoAtanh(s, 25);
  twoProduct(k, LN2[0], scratch);
  const kl: DD = ddAdd(ddNorm(scratch[0]!, scratch[1]!), [k * LN2[1], 0]);
  return ddAdd(kl, lz);
}

// Table of -log(invc) for invc = i / 256, i = 171..342 (round(256 / z) for z in [0.75, 1.5)), as double-double.
const TABLE_FIRST = 171;
const TABLE_SIZE = 342 - 171 + 1;
const LOGC_HI = new Float64Array(TABLE_SIZE);
const LOGC_LO = new Float64Array(TABLE_SIZE);
for (let i = 0; i < TABLE_SIZE; i++) {
  const v = logDoubleDouble((i + TABLE_FIRST) / 256);
  LOGC_HI[i] = -v[0];
  LOGC_LO[i] = -v[1];
}

// k * ln 2 as double-double for every exponent k of a finite double (k in [-1074, 1024]).
const K_MIN = -1080;
const K_COUNT = 2110;
const KLN2_HI = new Float64Array(K_COUNT);
const KLN2_LO = new Float64Array(K_COUNT);
for (let i = 0; i < K_COUNT; i++) {
  const v = ddMul(LN2, [i + K_MIN, 0]);
  KLN2_HI[i] = v[0];
  KLN2_LO[i] = v[1];
}

/** Relative error bound of the fast path (about 2^-69.5 by analysis, 2^-70.9 measured; 8x margin). */
const FAST_PATH_ERROR = 2 ** -66;

/**
 * Natural logarithm rounded to nearest (ties to even): the correctly rounded value, which glibc's
 * `log` also returns except in rare near-midpoint cases. Special values as Math.log:
 * log(0) = -Infinity, log(negative or NaN) = NaN, log(Infinity) = Infinity.
 */
export function correctlyRoundedLog(x: number): number {
  if (!(x > 0) || x === Infinity) return Math.log(x);
  if (x === 1) return 0;
  // x = z * 2^k, z in [0.75, 1.5)
  const z = reduce(x, kOut);
  const k = kOut[0]!;
  // r = z * invc - 1 with invc = idx / 256 (9 significant bits), as an exact double-double:
  // z = zh + zl (26 + 27 bits), so zh * invc and zl * invc are exact and zh * invc - 1 is exact (Sterbenz).
  const idx = Math.round(256 / z);
  const invc = idx / 256;
  let t = SPLITTER * z;
  const zh = t - (t - z);
  const a0 = zh * invc - 1;
  const a1 = (z - zh) * invc;
  const rh = a0 + a1;
  const bz = rh - a0;
  const rl = a0 - (rh - bz) + (a1 - bz);
  t = SPLITTER * rh;
  const rhh = t - (t - rh);
  const rhl = rh - rhh;
  // r^2 / 2 as double-double
  const q = rh * rh;
  const ql = rhh * rhh - q + 2 * rhh * rhl + rhl * rhl + 2 * rh * rl;
  const qh = q * 0.5;
  // log1p(r) = r - r^2/2 + r^3 (1/3 - r/4 + ... - r^7/10) + O(r^11)
  const tail =
    q *
    rh *
    (1 / 3 +
      rh *
        (-1 / 4 +
          rh * (1 / 5 + rh * (-1 / 6 + rh * (1 / 7 + rh * (-1 / 8 + rh * (1 / 9 + rh * (-1 / 10))))))));
  // s1 + e1 = rh - qh exactly
  const s1 = rh - qh;
  let bb = s1 - rh;
  const e1 = rh - (s1 - bb) + (-qh - bb);
  const kh = KLN2_HI[k - K_MIN]!;
  const kl = KLN2_LO[k - K_MIN]!;
  const lh = LOGC_HI[idx - TABLE_FIRST]!;
  const ll = LOGC_LO[idx - TABLE_FIRST]!;
  // a + ea = kh + lh; b + eb = a + s1
  const a = kh + lh;
  bb = a - kh;
  const ea = kh - (a - bb) + (lh - bb);
  const b = a + s1;
  bb = b - a;
  const eb = a - (b - bb) + (s1 - bb);
  const low = e1 + rl - 0.5 * ql + tail + ea + eb + kl + ll;
  const hi = b + low;
  const lo = low - (hi - b);
  t = Math.abs(hi) * FAST_PATH_ERROR;
  const up = hi + (lo + t);
  if (up === hi + (lo - t)) return up;
  const v = logDoubleDouble(x);
  return v[0] + v[1];
}

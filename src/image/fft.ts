/**
 * A small n-dimensional complex FFT (float64) for the k-space transforms (Gibbs and spike noise).
 * Written here because the npm FFT libraries kept up to date (fft.js) take powers of two only, and
 * image sizes are not: radix-2 Cooley–Tukey for powers of two, Bluestein's chirp-z for other sizes.
 */

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** In-place radix-2 FFT of length n (a power of two); `inverse` uses +i and does not scale. */
function radix2(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(ang * k);
      const wi = Math.sin(ang * k);
      for (let i = k; i < n; i += len) {
        const j = i + half;
        const xr = (re[j] as number) * wr - (im[j] as number) * wi;
        const xi = (re[j] as number) * wi + (im[j] as number) * wr;
        re[j] = (re[i] as number) - xr;
        im[j] = (im[i] as number) - xi;
        re[i] = (re[i] as number) + xr;
        im[i] = (im[i] as number) + xi;
      }
    }
  }
}

/** In-place FFT of any length (unscaled; `inverse` uses +i). */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n <= 1) return;
  if (isPow2(n)) return radix2(re, im, inverse);
  // Bluestein: x_k w_k convolved with conj(w), w_k = exp(∓iπk²/n)
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const s = inverse ? 1 : -1;
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = (s * Math.PI * ((k * k) % (2 * n))) / n;
    wr[k] = Math.cos(a);
    wi[k] = Math.sin(a);
  }
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  const br = new Float64Array(m);
  const bi = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    ar[k] = (re[k] as number) * (wr[k] as number) - (im[k] as number) * (wi[k] as number);
    ai[k] = (re[k] as number) * (wi[k] as number) + (im[k] as number) * (wr[k] as number);
  }
  br[0] = wr[0] as number;
  bi[0] = -(wi[0] as number);
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = wr[k] as number;
    bi[k] = bi[m - k] = -(wi[k] as number);
  }
  radix2(ar, ai, false);
  radix2(br, bi, false);
  for (let k = 0; k < m; k++) {
    const r = (ar[k] as number) * (br[k] as number) - (ai[k] as number) * (bi[k] as number);
    ai[k] = (ar[k] as number) * (bi[k] as number) + (ai[k] as number) * (br[k] as number);
    ar[k] = r;
  }
  radix2(ar, ai, true);
  for (let k = 0; k < n; k++) {
    const cr = (ar[k] as number) / m;
    const ci = (ai[k] as number) / m;
    re[k] = cr * (wr[k] as number) - ci * (wi[k] as number);
    im[k] = cr * (wi[k] as number) + ci * (wr[k] as number);
  }
}

/**
 * In-place n-D FFT over every axis of a C-order array of `shape` (numpy `fftn`; with `inverse`,
 * `ifftn` including the 1/N scaling).
 */
export function fftNd(re: Float64Array, im: Float64Array, shape: readonly number[], inverse = false): void {
  const total = re.length;
  let inner = total;
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis] as number;
    inner /= n;
    const outer = total / (n * inner);
    const lr = new Float64Array(n);
    const li = new Float64Array(n);
    for (let o = 0; o < outer; o++)
      for (let r = 0; r < inner; r++) {
        const base = o * n * inner + r;
        for (let k = 0; k < n; k++) {
          lr[k] = re[base + k * inner] as number;
          li[k] = im[base + k * inner] as number;
        }
        fft1d(lr, li, inverse);
        for (let k = 0; k < n; k++) {
          re[base + k * inner] = lr[k] as number;
          im[base + k * inner] = li[k] as number;
        }
      }
  }
  if (inverse)
    for (let i = 0; i < total; i++) {
      re[i] = (re[i] as number) / total;
      im[i] = (im[i] as number) / total;
    }
}

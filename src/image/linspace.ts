/**
 * The two `linspace`s the golden numbers depend on, in float64: numpy's (`start + i * step`, the last
 * value set to `end`) and torch's (from `start` below halfway, from `end` above it). Round the result
 * (`Math.fround`) for a float32 linspace.
 */

/** `np.linspace(start, end, n)`. */
export function numpyLinspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) out[0] = start;
  else if (n > 1) {
    const step = (end - start) / (n - 1);
    for (let i = 0; i < n; i++) out[i] = i * step + start;
    out[n - 1] = end;
  }
  return out;
}

/** `torch.linspace(start, end, n)` computed in float64. */
export function torchLinspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) out[0] = start;
  else if (n > 1) {
    const step = (end - start) / (n - 1);
    const half = Math.floor(n / 2);
    for (let i = 0; i < n; i++) out[i] = i < half ? start + step * i : end - step * (n - 1 - i);
  }
  return out;
}

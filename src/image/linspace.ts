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

/**
 * `torch.linspace(start, end, n)`: from `start` below halfway, from `end` above. In float64, or with
 * `f = Math.fround` as torch's float32 kernel computes it (start, end, step and every product rounded).
 */
export function torchLinspace(
  start: number,
  end: number,
  n: number,
  f: (x: number) => number = (x) => x,
): Float64Array {
  const out = new Float64Array(Math.max(n, 0));
  const s = f(start);
  const e = f(end);
  if (n === 1) out[0] = s;
  else if (n > 1) {
    const step = f(f(e - s) / (n - 1));
    const half = Math.floor(n / 2);
    for (let i = 0; i < n; i++) out[i] = i < half ? f(s + f(step * i)) : f(e - f(step * (n - 1 - i)));
  }
  return out;
}

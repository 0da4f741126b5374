/**
 * numpy's `allclose` on plain number arrays: same length and `|a − b| ≤ atol + rtol·|b|` everywhere.
 *
 * @example
 * allClose([1, 2], [1, 2 + 1e-9]); // true
 */
export function allClose(a: readonly number[], b: readonly number[], atol = 1e-8, rtol = 1e-5): boolean {
  return (
    a.length === b.length &&
    a.every((v, i) => Math.abs(v - (b[i] as number)) <= atol + rtol * Math.abs(b[i] as number))
  );
}

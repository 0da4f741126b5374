import { ConfigError } from '../errors.js';

/** A display window: intensities at or below `center - width/2` are black, at or above `center + width/2` white. */
export interface DisplayWindow {
  center: number;
  width: number;
}

/**
 * numpy's default (`linear`) percentile of finite values, `q` in 0–100. Sorts a copy.
 * Returns NaN when there is no finite value.
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) finite.push(v);
  }
  if (finite.length === 0) return Number.NaN;
  const sorted = Float64Array.from(finite).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The [low, high] intensity range to map onto the colormap: from `window` (window/level) when given, else
 * from the `percentiles` of `values` (default 0.5 and 99.5, robust to a few bright voxels).
 */
export function displayRange(
  values: ArrayLike<number>,
  window: DisplayWindow | undefined,
  percentiles: readonly [number, number] = [0.5, 99.5],
): [number, number] {
  if (window) {
    if (!(window.width > 0) || !Number.isFinite(window.center))
      throw new ConfigError(
        `window needs a finite center and a width > 0 (got center ${window.center}, width ${window.width})`,
      );
    return [window.center - window.width / 2, window.center + window.width / 2];
  }
  const [pl, ph] = percentiles;
  if (!(pl >= 0 && ph <= 100 && pl < ph))
    throw new ConfigError(`percentiles must be [low, high] with 0 <= low < high <= 100 (got [${pl}, ${ph}])`);
  const lo = percentile(values, pl);
  const hi = percentile(values, ph);
  if (Number.isNaN(lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

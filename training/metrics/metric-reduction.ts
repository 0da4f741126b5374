import type { MetricArray } from './metric-array.js';

/** MONAI's metric reductions (`MetricReduction`). */
export type MetricReduction =
  'none' | 'mean' | 'sum' | 'mean_batch' | 'sum_batch' | 'mean_channel' | 'sum_channel';

/** Every {@link MetricReduction}. */
export const METRIC_REDUCTIONS: readonly MetricReduction[] = [
  'none',
  'mean',
  'sum',
  'mean_batch',
  'sum_batch',
  'mean_channel',
  'sum_channel',
];

/**
 * MONAI's `do_metric_reduction` on a `(B, C, …rest)` array: NaN entries are skipped (set to 0, not
 * counted); `mean` is a mean of per-item means over the items with a non-NaN class, shape `rest` or
 * `(1,)`. Returns the reduced values and the count of non-NaN entries behind each.
 */
export function doMetricReduction(
  a: MetricArray,
  reduction: MetricReduction,
): { f: MetricArray; notNans: MetricArray } {
  const [b = 0, c = 0, ...rest] = a.shape;
  const k = rest.reduce((x, d) => x * d, 1);
  const at = (i: number, ch: number, j: number) => a.data[(i * c + ch) * k + j] as number;
  if (reduction === 'none') {
    const nn = new Float32Array(a.data.length);
    for (let i = 0; i < nn.length; i++) nn[i] = Number.isNaN(a.data[i]) ? 0 : 1;
    return {
      f: { data: Float32Array.from(a.data), shape: [...a.shape] },
      notNans: { data: nn, shape: [...a.shape] },
    };
  }
  const value = (i: number, ch: number, j: number) => {
    const v = at(i, ch, j);
    return Number.isNaN(v) ? 0 : v;
  };
  const counted = (i: number, ch: number, j: number) => (Number.isNaN(at(i, ch, j)) ? 0 : 1);
  if (reduction === 'mean') {
    const f = new Float32Array(k);
    const nn = new Float32Array(k);
    for (let j = 0; j < k; j++) {
      let items = 0;
      let total = 0;
      for (let i = 0; i < b; i++) {
        let n = 0;
        let s = 0;
        for (let ch = 0; ch < c; ch++) {
          n += counted(i, ch, j);
          s += value(i, ch, j);
        }
        if (n > 0) {
          items++;
          total += Math.fround(s / n);
        }
      }
      f[j] = items > 0 ? total / items : 0;
      nn[j] = items;
    }
    return { f: { data: f, shape: rest.length ? rest : [1] }, notNans: { data: nn, shape: rest } };
  }
  if (reduction === 'sum') {
    const f = new Float32Array(k);
    const nn = new Float32Array(k);
    for (let j = 0; j < k; j++)
      for (let i = 0; i < b; i++)
        for (let ch = 0; ch < c; ch++) {
          f[j] = (f[j] as number) + value(i, ch, j);
          nn[j] = (nn[j] as number) + counted(i, ch, j);
        }
    return { f: { data: f, shape: rest }, notNans: { data: nn, shape: rest } };
  }
  const overBatch = reduction === 'mean_batch' || reduction === 'sum_batch';
  const mean = reduction === 'mean_batch' || reduction === 'mean_channel';
  const outer = overBatch ? c : b;
  const inner = overBatch ? b : c;
  const f = new Float32Array(outer * k);
  const nn = new Float32Array(outer * k);
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      let n = 0;
      for (let x = 0; x < inner; x++) {
        const [i, ch] = overBatch ? [x, o] : [o, x];
        s += value(i, ch, j);
        n += counted(i, ch, j);
      }
      f[o * k + j] = mean ? (n > 0 ? s / n : 0) : s;
      nn[o * k + j] = n;
    }
  return { f: { data: f, shape: [outer, ...rest] }, notNans: { data: nn, shape: [outer, ...rest] } };
}

import { ConfigError } from '../errors.js';
import type { TrackingStore } from '../tracking/tracking-store.js';
import type { LinePlotSpec, LineSeries } from './plot-spec.js';

/** Options of {@link metricHistoryPlot}. */
export interface MetricHistoryPlotOptions {
  /** Runs to compare (one series per run and metric). */
  runIds: readonly string[];
  /** Metric keys (default `['loss']`). */
  metrics?: readonly string[];
  title?: string;
  yScale?: 'linear' | 'log';
}

/**
 * A line plot of MLflow metric histories (from a tracking server or `./mlruns`), one series per run and
 * metric, x = step. Render it with `renderPlot` (SVG) and `svgToPng`.
 *
 * @example
 * const store = createTrackingStore({ trackingUri: './mlruns' });
 * const svg = await renderPlot(await metricHistoryPlot(store, { runIds: [id], metrics: ['loss', 'val_dice'] }));
 */
export async function metricHistoryPlot(
  store: Pick<TrackingStore, 'getMetricHistory' | 'getRun'>,
  options: MetricHistoryPlotOptions,
): Promise<LinePlotSpec> {
  const metrics = options.metrics ?? ['loss'];
  if (options.runIds.length === 0) throw new ConfigError('metricHistoryPlot needs at least one run ID');
  if (metrics.length === 0) throw new ConfigError('metricHistoryPlot needs at least one metric key');
  const series: LineSeries[] = [];
  for (const runId of options.runIds) {
    const run = await store.getRun(runId);
    const runName = run.info.run_name ?? runId.slice(0, 8);
    for (const key of metrics) {
      const points = [...(await store.getMetricHistory(runId, key))].sort(
        (p, q) => p.step - q.step || p.timestamp - q.timestamp,
      );
      if (points.length === 0) throw new ConfigError(`run ${runName} (${runId}) has no metric '${key}'`);
      const name = options.runIds.length === 1 ? key : metrics.length === 1 ? runName : `${runName}: ${key}`;
      series.push({ name, x: points.map((p) => p.step), y: points.map((p) => p.value) });
    }
  }
  return {
    kind: 'line',
    series,
    title: options.title ?? (metrics.length === 1 ? metrics[0]! : 'metrics'),
    xLabel: 'step',
    yLabel: metrics.length === 1 ? metrics[0]! : 'value',
    ...(options.yScale ? { yScale: options.yScale } : {}),
  };
}

import type { TopLevelSpec } from 'vega-lite';
import { ConfigError } from '../errors.js';

/** One line of a {@link LinePlotSpec}: y against x (step or epoch). */
export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

/** Loss or metric curves. */
export interface LinePlotSpec {
  kind: 'line';
  series: readonly LineSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Default `linear`; `log` for losses spanning decades. */
  yScale?: 'linear' | 'log';
  /** Plot area in pixels (default 480 × 300). */
  width?: number;
  height?: number;
}

/** One bar of a {@link BarPlotSpec}; bars sharing a `group` are drawn side by side in colour. */
export interface Bar {
  label: string;
  value: number;
  group?: string;
}

/** Per-class figures (e.g. Dice per class). */
export interface BarPlotSpec {
  kind: 'bar';
  bars: readonly Bar[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** What {@link renderPlot} draws. */
export type PlotSpec = LinePlotSpec | BarPlotSpec;

function size(v: number | undefined, d: number, name: string): number {
  const s = v ?? d;
  if (!(Number.isInteger(s) && s >= 50 && s <= 4000))
    throw new ConfigError(`${name} must be an integer number of pixels from 50 to 4000 (got ${s})`);
  return s;
}

/**
 * The Vega-Lite specification of a plot, to render with {@link renderVegaLite} or to extend by hand
 * (any Vega-Lite feature) before rendering.
 */
export function toVegaLite(spec: PlotSpec): TopLevelSpec {
  const width = size(spec.width, 480, 'width');
  const height = size(spec.height, 300, 'height');
  const common = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width,
    height,
    background: 'white',
    ...(spec.title !== undefined ? { title: spec.title } : {}),
  } as const;
  if (spec.kind === 'line') {
    if (spec.series.length === 0) throw new ConfigError('a line plot needs at least one series');
    const values: { x: number; y: number; series: string }[] = [];
    for (const s of spec.series) {
      if (s.x.length !== s.y.length)
        throw new ConfigError(`series '${s.name}' has ${s.x.length} x values and ${s.y.length} y values`);
      for (let i = 0; i < s.x.length; i++)
        if (Number.isFinite(s.y[i]) && (spec.yScale !== 'log' || s.y[i]! > 0))
          values.push({ x: s.x[i]!, y: s.y[i]!, series: s.name });
    }
    return {
      ...common,
      data: { values },
      mark: { type: 'line', point: values.length <= 60 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: spec.xLabel ?? 'step' },
        y: {
          field: 'y',
          type: 'quantitative',
          title: spec.yLabel ?? 'value',
          scale: spec.yScale === 'log' ? { type: 'log' } : { type: 'linear', zero: false },
        },
        color: { field: 'series', type: 'nominal', title: null },
      },
    };
  }
  if (spec.kind === 'bar') {
    if (spec.bars.length === 0) throw new ConfigError('a bar plot needs at least one bar');
    const grouped = spec.bars.some((b) => b.group !== undefined);
    const values = spec.bars.map((b) => ({ label: b.label, value: b.value, group: b.group ?? '' }));
    return {
      ...common,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'label', type: 'nominal', title: spec.xLabel ?? null, sort: null },
        y: { field: 'value', type: 'quantitative', title: spec.yLabel ?? 'value' },
        ...(grouped
          ? {
              xOffset: { field: 'group', type: 'nominal' },
              color: { field: 'group', type: 'nominal', title: null },
            }
          : {}),
      },
    };
  }
  throw new ConfigError(
    `unknown plot kind '${(spec as { kind: unknown }).kind as string}': use 'line' or 'bar'`,
  );
}

import type { TopLevelSpec } from 'vega-lite';
import { type PlotSpec, toVegaLite } from './plot-spec.js';

/**
 * Renders a Vega-Lite specification to SVG text headlessly (Vega's SVG renderer: no canvas, no browser).
 * The SVG names the font family 'DejaVu Sans, sans-serif'. Vega is loaded on first use: its node build
 * has a top-level await, which a static import would pass on to CommonJS consumers (tslab notebooks).
 */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const [{ View, parse }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vega = compile(spec, { config: { font: 'DejaVu Sans, sans-serif' } }).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * A line plot (loss and metric curves) or bar plot (per-class figures) as SVG text. For PNG use
 * `svgToPng` from `csc-mlops/display` (Node).
 *
 * @example
 * const svg = await renderPlot({ kind: 'line', series: [{ name: 'loss', x: [1, 2, 3], y: [0.9, 0.5, 0.3] }] });
 */
export async function renderPlot(spec: PlotSpec): Promise<string> {
  return renderVegaLite(toVegaLite(spec));
}

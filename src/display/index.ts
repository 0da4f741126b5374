/**
 * `csc-mlops/display`: look at the data. Slice montages of MetaImages and batches (PNG, label overlays),
 * line and bar plots through Vega-Lite (SVG, PNG via resvg), MLflow metric histories as curves.
 */
export { type Colormap, type Rgb, colormapLut, labelColor } from './colormap.js';
export { type DisplayWindow, displayRange, percentile } from './intensity-window.js';
export {
  type MontageRaster,
  type SliceMontageOptions,
  encodeRgbPng,
  renderSliceMontage,
  sliceMontage,
} from './slice-montage.js';
export { type BatchMontageOptions, batchMontage, imagesFromBatch } from './batch-montage.js';
export {
  type Bar,
  type BarPlotSpec,
  type LinePlotSpec,
  type LineSeries,
  type PlotSpec,
  toVegaLite,
} from './plot-spec.js';
export { renderPlot, renderVegaLite } from './render-plot.js';
export { svgToPng } from './svg-to-png.js';
export { type MetricHistoryPlotOptions, metricHistoryPlot } from './metric-history-plot.js';

/** Sliding-window inference (`csc-mlops/inferers`), as MONAI's `monai.inferers`. */
export { slidingWindowInference } from './sliding-window-inference.js';
export type { Predictor, SlidingWindowOptions } from './sliding-window-inference.js';
export { SlidingWindowInferer } from './sliding-window-inferer.js';
export type { SlidingWindowInfererOptions } from './sliding-window-inferer.js';
export type { BlendMode } from './window-grid.js';
export type { PaddingMode } from './pad-spatial.js';

/**
 * Axis bookkeeping for tensors in either layout: `channelsLast` `[B, X, Y(, Z), C]` (tfjs's own, the
 * DataLoader's default) or `channelsFirst` `[B, C, X, Y(, Z)]` (MONAI's).
 */
import type { TensorLayout } from '../src/backend/tensor-data.js';

/** Index of the channel axis of a batched tensor of `rank` in `layout`. */
export function channelAxis(rank: number, layout: TensorLayout): number {
  return layout === 'channelsLast' ? rank - 1 : 1;
}

/** Indices of the spatial axes of a batched tensor of `rank` in `layout`, in X, Y(, Z) order. */
export function spatialAxes(rank: number, layout: TensorLayout): number[] {
  const first = layout === 'channelsLast' ? 1 : 2;
  return Array.from({ length: rank - 2 }, (_, i) => first + i);
}

/** Permutation that moves axis 1 to the end (MONAI's channel-first result → channels-last). */
export function channelsLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

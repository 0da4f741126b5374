/** Messages between the DataLoader / CacheDataset and their worker threads. */
import type { PipelineSpec } from './pipeline-spec.js';
import type { WireError } from './wire-format.js';

/** `workerData` of a pipeline worker. */
export interface WorkerInit {
  /** URL (or path) of the module exporting the pipeline factory (or `pipeline`). */
  transformModule?: string;
  /** The pipeline by description, rebuilt from the package's transforms (or `transformModule`). */
  pipeline?: PipelineSpec;
  /** Export name of the factory (default: `default`, then `createTransform`, then `createPipeline`). */
  transformExport?: string;
  /** JSON-able argument passed to the factory. */
  factoryArgs?: unknown;
  /** Items a worker runs at once (I/O of one overlaps compute of another). */
  concurrency: number;
}

/** main → worker: run steps `[start, end)` on an item. */
export interface RunMessage {
  type: 'run';
  id: number;
  item: unknown;
  start: number;
  end?: number;
  seed?: number;
  /** Deep-copy the item first (`copyCache`). */
  copy?: boolean;
  /** Send back the deterministic prefix's output (to fill a cache; sent in shared memory). */
  wantPrefix?: boolean;
  /** Write the result into shared memory (it goes into a cache): the main thread then copies nothing. */
  shareResult?: boolean;
}

/** worker → main. */
export type WorkerMessage =
  | { type: 'ready'; description: string; steps: string[]; cut: number; length: number }
  | { type: 'init-error'; error: WireError }
  | { type: 'prefix'; id: number; item: unknown }
  | { type: 'result'; id: number; item: unknown }
  | { type: 'error'; id: number; error: WireError };

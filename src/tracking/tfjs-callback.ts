import type { CustomCallbackArgs, Logs } from '@tensorflow/tfjs-layers';
import { ConfigError } from '../errors.js';
import type { Run } from './run.js';

/** Options of {@link mlflowCallback}. */
export interface MlflowCallbackOptions {
  /**
   * `'epoch'` (default): log the epoch logs (`loss`, `acc`, `val_loss` …) with step = epoch.
   * `'batch'` or a number N: log batch logs every N batches with step = global batch index, and the
   * validation metrics at the end of each epoch at the same step.
   */
  every?: 'epoch' | 'batch' | number;
  /** Prefix for metric keys (e.g. `train/`). */
  prefix?: string;
  /** Send buffered metrics at the end of every epoch (default true). */
  flushEachEpoch?: boolean;
}

const SKIP = new Set(['batch', 'size']);

/**
 * A `model.fit` / `model.fitDataset` callback that logs loss and metrics to an MLflow run. It is a plain
 * callback object (tfjs wraps it in a `tf.CustomCallback`), so it works with whatever tfjs the
 * application uses.
 *
 * @example
 * await model.fit(xs, ys, { epochs: 10, validationSplit: 0.2, callbacks: [mlflowCallback(run)] });
 * await model.fitDataset(ds, { epochs: 3, callbacks: mlflowCallback(run, { every: 10 }) });
 */
export function mlflowCallback(run: Run, options: MlflowCallbackOptions = {}): CustomCallbackArgs {
  const every = options.every ?? 'epoch';
  const n = every === 'epoch' ? 0 : every === 'batch' ? 1 : every;
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(
      `mlflowCallback: every must be 'epoch', 'batch' or a positive integer, got ${String(every)}`,
    );
  const prefix = options.prefix ?? '';
  const flushEachEpoch = options.flushEachEpoch ?? true;
  let globalBatch = 0;
  const batchKeys = new Set<string>();
  const log = (logs: Logs | undefined, step: number, only?: (k: string) => boolean) => {
    if (!logs) return;
    const timestamp = Date.now();
    for (const [k, v] of Object.entries(logs)) {
      if (SKIP.has(k) || typeof v !== 'number' || (only && !only(k))) continue;
      run.logMetric(`${prefix}${k}`, v, { step, timestamp });
    }
  };
  const args: CustomCallbackArgs = {
    onEpochEnd: async (epoch: number, logs?: Logs) => {
      if (n === 0) log(logs, epoch);
      else log(logs, globalBatch, (k) => !batchKeys.has(k));
      if (flushEachEpoch) await run.flush();
    },
    onTrainEnd: async () => {
      await run.flush();
    },
  };
  if (n > 0) {
    args.onBatchEnd = async (_batch: number, logs?: Logs) => {
      globalBatch++;
      if (logs) for (const k of Object.keys(logs)) if (!SKIP.has(k)) batchKeys.add(k);
      if (globalBatch % n === 0) log(logs, globalBatch);
    };
  }
  return args;
}

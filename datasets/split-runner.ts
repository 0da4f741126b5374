import { DatasetError } from '../src/errors.js';
import type { Compose } from '../transforms/compose.js';
import { deepCopyItem } from './item-values.js';
import type { PipelineRunner } from './pipeline-runner.js';
import { describeStep } from './pipeline-spec.js';
import { type TransferPlan, mayMutateInput, planTransfer } from './transfer-plan.js';
import { imageBuffers } from './wire-format.js';
import { WorkerPool, assertSamePipeline } from './worker-pool.js';

/** Where worker threads get their pipeline: by description (a plan) or from a user's module. */
export type WorkerSource =
  { plan: TransferPlan } | { transformModule: string | URL; transformExport?: string; factoryArgs?: unknown };

/** One item to run through steps `[start, end)`, split between the main thread and the workers. */
export interface SplitTask {
  item: unknown;
  start: number;
  end?: number;
  seed?: number;
  /** The item is held by a cache: copy it before a step that may change its input. */
  copy?: boolean;
  /** The item is a fresh copy nobody else holds: its arrays may be moved to a worker. */
  fresh?: boolean;
  onPrefix?: (prepared: unknown) => void | Promise<void>;
  /** The result goes into a shared-memory cache: a worker writes it there (see `RunMessage`). */
  shareResult?: boolean;
  label?: string;
}

/** Chooses the worker source for `numWorkers` threads: the user's module, or a plan of `compose[0, limit)`. */
export function workerSource(
  compose: Compose,
  options: { transformModule?: string | URL; transformExport?: string; factoryArgs?: unknown },
  who: string,
  limit = compose.length,
): WorkerSource {
  if (options.transformModule !== undefined)
    return {
      transformModule: options.transformModule,
      transformExport: options.transformExport,
      factoryArgs: options.factoryArgs,
    };
  return { plan: planTransfer(compose, who, limit) };
}

/** Starts a pool for `source` and checks that the workers built the same steps as `compose`. */
export async function startPool(
  compose: Compose,
  source: WorkerSource,
  options: { numWorkers: number; execArgv?: string[]; concurrencyPerWorker?: number },
): Promise<WorkerPool> {
  const pool = await WorkerPool.start({
    ...options,
    ...('plan' in source ? { pipeline: source.plan.spec } : source),
  });
  try {
    if (!('plan' in source)) assertSamePipeline(pool, compose, source.transformModule);
    else
      for (let i = source.plan.start; i < source.plan.end; i++) {
        const mine = describeStep(compose.transforms[i]!);
        if (pool.stepDescriptions[i] !== mine)
          throw new DatasetError(
            `step ${i} rebuilt in a worker differs from the pipeline's (${mine.slice(0, 200)} vs ${String(pool.stepDescriptions[i]).slice(0, 200)}); ` +
              "the transform's options do not describe it fully: pass transformModule, or numWorkers: 0",
          );
      }
  } catch (e) {
    await pool.close();
    throw e;
  }
  return pool;
}

/**
 * Runs one item: the steps before the workers' range on the main thread (`runner`), the range in a
 * worker, the steps after it on the main thread again. Each part is seeded with the same seed, so
 * every random step gets the draw it would get on one thread.
 */
export async function runSplit(
  runner: PipelineRunner,
  source: WorkerSource | undefined,
  pool: WorkerPool | undefined,
  task: SplitTask,
): Promise<unknown> {
  const n = runner.compose.length;
  const end = Math.min(task.end ?? n, n);
  const { seed, onPrefix } = task;
  let x = task.item;
  let s = task.start;
  let copy = task.copy === true && s < end && mayMutateInput(runner.compose, s);
  if (!pool || !source) {
    if (copy) x = deepCopyItem(x);
    return runner.run(x, { start: s, end, seed, onPrefix });
  }
  const range = 'plan' in source ? source.plan : { start: 0, end: n };
  const workerStart = Math.min(range.start, end);
  let fresh = task.fresh === true;
  let keep: Set<ArrayBuffer> | undefined;
  if (s < workerStart) {
    if (copy) {
      x = deepCopyItem(x);
      copy = false;
      fresh = true;
    }
    if (!fresh) keep = imageBuffers(x);
    x = await runner.run(x, { start: s, end: workerStart, seed, onPrefix });
    fresh = true;
    s = workerStart;
  }
  const workerEnd = Math.min(range.end, end);
  if (s < workerEnd) {
    x = await pool.run({
      item: x,
      start: s,
      end: workerEnd,
      seed,
      copy,
      transfer: fresh,
      keep,
      onPrefix,
      shareResult: task.shareResult,
      label: task.label,
    });
    s = workerEnd;
  }
  if (s < end) x = await runner.run(x, { start: s, end, seed, onPrefix });
  return x;
}

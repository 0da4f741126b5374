import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { DatasetError, describeError } from '../src/errors.js';
import type { PipelineSpec } from './pipeline-spec.js';
import { decodeError, decodeItem, encodeItem } from './wire-format.js';
import type { RunMessage, WorkerInit, WorkerMessage } from './worker-protocol.js';
import { workerScript } from './worker-script.js';

/** Options of {@link WorkerPool.start}. */
export interface WorkerPoolOptions {
  /** Number of worker threads (≥ 1). */
  numWorkers: number;
  /**
   * Module exporting the pipeline factory: a `file:` URL, a URL object, or a path. Its default export
   * (or `transformExport`) is called with `factoryArgs` in each worker and must return the same
   * pipeline as the dataset's. One of `transformModule` and `pipeline`.
   */
  transformModule?: string | URL;
  /** The pipeline by description (see `planTransfer`), rebuilt from the package's transforms. */
  pipeline?: PipelineSpec;
  /** Name of the factory export (default: `default`, then `createTransform`, then `createPipeline`). */
  transformExport?: string;
  /** JSON-able argument for the factory. */
  factoryArgs?: unknown;
  /** Items each worker runs at once (default 2). */
  concurrencyPerWorker?: number;
  /**
   * Node options for the workers (default: the parent's `process.execArgv` without tsx's loader, the
   * worker script being plain JavaScript, and without the V8 and process-wide options Node refuses
   * in a worker, such as `--max-old-space-size`: those apply to the workers already). Given options
   * that Node refuses make a DatasetError.
   */
  execArgv?: string[];
  /** Seconds to wait for a worker to build its pipeline (default 120). */
  startTimeout?: number;
}

/** One task of a {@link WorkerPool}. */
export interface PoolTask {
  item: unknown;
  start: number;
  end?: number;
  seed?: number;
  copy?: boolean;
  /** The item's arrays may be moved to the worker (the caller will not use them again). */
  transfer?: boolean;
  /** Buffers not to move even with `transfer` (someone else still holds them). */
  keep?: ReadonlySet<ArrayBuffer>;
  /** Called on the main thread with the item as it was at the cache cut (after the deterministic steps), so a cache can keep it. */
  onPrefix?: (prepared: unknown) => void | Promise<void>;
  /** The worker writes the result into shared memory (it goes into a cache). */
  shareResult?: boolean;
  /** For crash messages: which item this is. */
  label?: string;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onPrefix?: (prepared: unknown) => void | Promise<void>;
  prefixDone?: Promise<void>;
  label?: string;
}

interface Slot {
  worker: Worker;
  index: number;
  pending: Map<number, Pending>;
}

function moduleUrl(m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(m) && !/^[a-z]:[\\/]/i.test(m)) return m;
  return pathToFileURL(m).href;
}

/**
 * Worker threads that each build the pipeline from a module and run items on it. A worker that
 * crashes (uncaught error, `process.exit`, out of memory) rejects every task it held with a
 * DatasetError and marks the pool broken, so nothing waits forever. Idle workers do not keep the
 * process alive; call `close()` when done.
 *
 * Workers run one bundled script (worker-script.ts: built by `npm run build`, or bundled once per
 * process from the TypeScript sources), all started at once. Only a `.ts` transform module makes
 * them start through a small bootstrap that registers tsx's loader first (tsx must be installed).
 */
export class WorkerPool {
  /** JSON of the workers' pipeline `describe()`, to compare with the dataset's. */
  readonly description: string;
  /** JSON of each step's `describe()` in the workers. */
  readonly stepDescriptions: readonly string[];
  /** The workers' cache cut. */
  readonly cut: number;
  /** Number of steps in the workers' pipeline. */
  readonly steps: number;
  private readonly slots: Slot[];
  private nextId = 1;
  private broken: Error | undefined;
  private closed = false;

  private constructor(slots: Slot[], ready: Ready) {
    this.slots = slots;
    this.description = ready.description;
    this.stepDescriptions = ready.steps;
    this.cut = ready.cut;
    this.steps = ready.length;
    for (const s of slots) this.listen(s);
  }

  /** Starts the workers and waits until each has built its pipeline. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const n = options.numWorkers;
    if (!Number.isInteger(n) || n < 1)
      throw new DatasetError(`numWorkers must be a positive integer, got ${n}`);
    if ((options.transformModule === undefined) === (options.pipeline === undefined))
      throw new DatasetError('WorkerPool.start needs one of transformModule and pipeline');
    const transformModule =
      options.transformModule === undefined ? undefined : moduleUrl(options.transformModule);
    const source = transformModule ?? 'the pipeline description';
    const init: WorkerInit = {
      transformModule,
      pipeline: options.pipeline,
      transformExport: options.transformExport,
      factoryArgs: options.factoryArgs,
      concurrency: Math.max(1, options.concurrencyPerWorker ?? 2),
    };
    const needsTsx = transformModule !== undefined && /\.[cm]?tsx?$/.test(new URL(transformModule).pathname);
    const entry = await workerScript();
    const make = (execArgv: string[]): Worker =>
      needsTsx
        ? new Worker(bootstrapSource(), {
            eval: true,
            workerData: { ...init, __entry: entry.href, __tsx: resolveTsx() },
            execArgv,
          })
        : new Worker(entry, { workerData: init, execArgv });
    const slots: Slot[] = [];
    const readies: Promise<Ready>[] = [];
    for (let i = 0; i < n; i++) {
      let worker: Worker;
      try {
        worker = startWorker(make, options.execArgv);
      } catch (e) {
        for (const s of slots) void s.worker.terminate();
        if (e instanceof DatasetError) throw e;
        throw new DatasetError(`cannot start a worker thread: ${describeError(e)}`, undefined, { cause: e });
      }
      slots.push({ worker, index: i, pending: new Map() });
      readies.push(waitReady(worker, i, source, (options.startTimeout ?? 120) * 1000));
    }
    let ready: Ready[];
    try {
      ready = await Promise.all(readies);
    } catch (e) {
      await Promise.all(slots.map((s) => s.worker.terminate()));
      throw e;
    }
    for (const s of slots) s.worker.unref();
    return new WorkerPool(slots, ready[0]!);
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** True after a worker crashed or `close()` was called. */
  get usable(): boolean {
    return !this.broken && !this.closed;
  }

  /** Runs one task on the least busy worker. */
  run(task: PoolTask): Promise<unknown> {
    if (this.closed) return Promise.reject(new DatasetError('the worker pool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    const enc = encodeItem(task.item, task.transfer === true, task.keep);
    const msg: RunMessage = {
      type: 'run',
      id,
      item: enc.value,
      start: task.start,
      end: task.end,
      seed: task.seed,
      copy: task.copy,
      wantPrefix: task.onPrefix !== undefined,
      shareResult: task.shareResult,
    };
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, onPrefix: task.onPrefix, label: task.label });
      if (slot.pending.size === 1) slot.worker.ref();
      try {
        slot.worker.postMessage(msg, enc.transfer);
      } catch (e) {
        try {
          slot.worker.postMessage(msg);
        } catch (e2) {
          this.settle(slot, id);
          reject(
            new DatasetError(
              `cannot send ${task.label ?? 'an item'} to a worker: ${describeError(e2)}`,
              undefined,
              { cause: e },
            ),
          );
        }
      }
    });
  }

  /** Terminates the workers; pending tasks are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots)
      this.failAll(s, new DatasetError('the worker pool was closed while items were still running'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private settle(slot: Slot, id: number): Pending | undefined {
    const p = slot.pending.get(id);
    slot.pending.delete(id);
    if (slot.pending.size === 0) slot.worker.unref();
    return p;
  }

  private failAll(slot: Slot, error: Error): void {
    const all = [...slot.pending.values()];
    slot.pending.clear();
    slot.worker.unref();
    for (const p of all) p.reject(error);
  }

  private listen(slot: Slot): void {
    const { worker } = slot;
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'prefix') {
        const p = slot.pending.get(msg.id);
        if (p?.onPrefix) {
          const onPrefix = p.onPrefix;
          const value = decodeItem(msg.item);
          p.prefixDone = (async () => onPrefix(value))();
          p.prefixDone.catch(() => {}); // reported with the result, below
        }
      } else if (msg.type === 'result') {
        const p = this.settle(slot, msg.id);
        if (!p) return;
        const value = decodeItem(msg.item);
        if (p.prefixDone) p.prefixDone.then(() => p.resolve(value), p.reject);
        else p.resolve(value);
      } else if (msg.type === 'error') {
        this.settle(slot, msg.id)?.reject(decodeError(msg.error));
      }
    });
    const crash = (why: string, cause?: unknown): void => {
      if (this.closed) return;
      const labels = [...slot.pending.values()].map((p) => p.label).filter(Boolean);
      const err = new DatasetError(
        `worker ${slot.index} crashed (${why})${labels.length ? ` while processing ${labels.join(', ')}` : ''}; ` +
          'the pipeline or an item made it exit — run with numWorkers: 0 to see the error in the main thread',
        undefined,
        cause === undefined ? undefined : { cause },
      );
      this.broken ??= err;
      this.failAll(slot, err);
      for (const s of this.slots) if (s !== slot) this.failAll(s, err);
    };
    worker.on('error', (e) => crash(describeError(e), e));
    worker.on('exit', (code) => crash(`exit code ${code}`));
    worker.on('messageerror', (e) => crash(`a message could not be read: ${describeError(e)}`, e));
  }
}

type Ready = { description: string; steps: string[]; cut: number; length: number };

function waitReady(worker: Worker, index: number, module: string, timeoutMs: number): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new DatasetError(
          `worker ${index} did not build its pipeline from ${module} within ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
    const onMessage = (msg: WorkerMessage): void => {
      if (msg.type === 'ready') {
        cleanup();
        resolve(msg);
      } else if (msg.type === 'init-error') {
        cleanup();
        reject(
          new DatasetError(
            `worker ${index} could not build the pipeline from ${module}: ${msg.error.message}`,
            undefined,
            { cause: decodeError(msg.error) },
          ),
        );
      }
    };
    const onError = (e: unknown): void => {
      cleanup();
      reject(
        new DatasetError(
          `worker ${index} failed while starting (${module}): ${describeError(e)}`,
          undefined,
          { cause: e },
        ),
      );
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(
        new DatasetError(
          `worker ${index} exited with code ${code} while building the pipeline from ${module}`,
        ),
      );
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** Options of the parent's command line that Node refused in a worker's execArgv (see {@link startWorker}). */
const refusedFlags = new Set<string>();

/**
 * Constructs one worker with `execArgv`, or by default with the parent's options
 * ({@link inheritedExecArgv}). Node refuses V8 options (`--max-old-space-size=8192`,
 * `--stack-size`, ...) and process-wide Node options in a worker's execArgv, although they already
 * apply to every thread of the process: inherited ones that Node names in its refusal are left out
 * (and remembered for the next workers); given ones make a DatasetError that says so.
 */
function startWorker(make: (execArgv: string[]) => Worker, given: string[] | undefined): Worker {
  const argv = given ?? inheritedExecArgv().filter((a) => !refusedFlags.has(a));
  try {
    return make(argv);
  } catch (e) {
    const refused = refusedExecArgv(e, argv);
    if (!refused) throw e;
    if (given)
      throw new DatasetError(
        `worker threads cannot take ${refused.join(', ')} in their execArgv (workerExecArgv): V8 options and ` +
          'process-wide Node options already apply to every thread of the process; give them to node itself ' +
          '(e.g. node --max-old-space-size=8192 train.js), not to the workers',
        undefined,
        { cause: e },
      );
    for (const a of refused) refusedFlags.add(a);
    return make(argv.filter((a) => !refusedFlags.has(a)));
  }
}

/** The options of `argv` named by Node's ERR_WORKER_INVALID_EXEC_ARGV in `e`, if that is what `e` is. */
function refusedExecArgv(e: unknown, argv: readonly string[]): string[] | undefined {
  if ((e as NodeJS.ErrnoException | undefined)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return undefined;
  // "Initiated Worker with invalid execArgv flags: --max-old-space-size=8192, --stack-size=2000"
  const listed = /flags: (.*)$/.exec((e as Error).message)?.[1]?.split(', ') ?? [];
  const refused = listed.filter((a) => argv.includes(a));
  return refused.length > 0 ? refused : undefined;
}

/**
 * The parent's Node options for a worker, without:
 * - tsx's hooks (`--require …/tsx/…preflight.cjs`, `--import …/tsx/…loader.mjs`, `--import tsx`):
 *   under `tsx script.ts` every worker would otherwise load tsx's loader (a few hundred milliseconds
 *   each) for a script that is plain JavaScript. A `.ts` transform module registers tsx in the
 *   worker itself.
 * - what says how to run the main entry (`-e`/`--eval`, `-p`/`--print` and their code,
 *   `--input-type`, `-i`, `-c`): a worker has its own entry, and Node would apply `--input-type` to it.
 */
export function inheritedExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const hook = /^(--require|-r|--import|--loader|--experimental-loader)$/;
  const isTsx = (v: string): boolean => /^tsx(\/|$)/.test(v) || /[\\/]node_modules[\\/]tsx[\\/]/.test(v);
  const entry = /^(-e|--eval|-p|--print|-pe|--input-type)$/;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (eq > 0 && hook.test(name) && isTsx(a.slice(eq + 1))) continue;
    if (hook.test(a) && i + 1 < argv.length && isTsx(argv[i + 1] as string)) {
      i++;
      continue;
    }
    if (entry.test(name)) {
      if (eq < 0 && i + 1 < argv.length) i++; // its value
      continue;
    }
    if (/^(-i|--interactive|-c|--check)$/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/** URL of tsx's ESM API (`register()`), resolved from this package. */
function resolveTsx(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch (e) {
    throw new DatasetError(
      'worker threads need tsx to run TypeScript (the sources or a .ts transformModule): npm install --save-dev tsx, ' +
        'or build the package and use a .js transformModule',
      undefined,
      { cause: e },
    );
  }
}

/** CommonJS source of the eval'd bootstrap: register tsx, then import the real entry. */
function bootstrapSource(): string {
  return `
const { workerData } = require('node:worker_threads');
(async () => {
  const api = await import(workerData.__tsx);
  api.register();
  await import(workerData.__entry);
})().catch((e) => { setImmediate(() => { throw e; }); });
`;
}

/**
 * Checks that the pipeline the workers built from `transformModule` is the dataset's pipeline
 * (same `describe()`: classes, options, function sources), so workers never run a different one.
 */
export function assertSamePipeline(
  pool: WorkerPool,
  local: { describe(): unknown },
  module: string | URL,
): void {
  const mine = JSON.stringify(local.describe());
  if (mine === pool.description) return;
  const a = JSON.parse(mine) as { transforms?: unknown[] };
  const b = JSON.parse(pool.description) as { transforms?: unknown[] };
  const ta = a.transforms ?? [];
  const tb = b.transforms ?? [];
  let i = 0;
  while (i < Math.max(ta.length, tb.length) && JSON.stringify(ta[i]) === JSON.stringify(tb[i])) i++;
  const show = (x: unknown): string => (x === undefined ? '(none)' : JSON.stringify(x).slice(0, 200));
  throw new DatasetError(
    `the pipeline built by ${String(module)} in the workers differs from the dataset's transform ` +
      `(first difference at step ${i}: dataset ${show(ta[i])}, workers ${show(tb[i])}); ` +
      'build the dataset with the same factory, e.g. transform: await createPipeline()',
  );
}

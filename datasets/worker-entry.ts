/**
 * Entry of a pipeline worker thread. Rebuilds the pipeline from its description (the package's own
 * transforms, see transfer-plan.ts) or by importing `transformModule` and calling its factory
 * (functions cannot cross threads), then runs items sent by the main thread: cached
 * items arrive in shared memory (no copy), results go back with their arrays transferred.
 *
 * Started by {@link WorkerPool} as one bundled script (worker-script.ts): esbuild bundles this
 * module with everything it imports at `npm run build`, or once per process from the TypeScript
 * sources. Keep its static imports free of tfjs and of the transforms barrel (a worker makes no
 * tensors; transforms come lazily from the catalogue).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { deepCopyItem, toSharedItem } from './item-values.js';
import { PipelineRunner, toCompose } from './pipeline-runner.js';
import { buildPipeline, describeStep } from './pipeline-spec.js';
import { decodeItem, encodeError, encodeItem } from './wire-format.js';
import type { RunMessage, WorkerInit, WorkerMessage } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread (it is started by the DataLoader)');

function post(msg: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  try {
    port!.postMessage(msg, transfer);
  } catch {
    // buffers that cannot be moved (e.g. Node's Buffer pool): send a copy instead
    port!.postMessage(msg);
  }
}

async function resolveFactory(
  init: WorkerInit & { transformModule: string },
): Promise<(args: unknown) => unknown> {
  const mod = (await import(init.transformModule)) as Record<string, unknown>;
  const names = init.transformExport
    ? [init.transformExport]
    : ['default', 'createTransform', 'createPipeline'];
  for (const n of names) if (typeof mod[n] === 'function') return mod[n] as (args: unknown) => unknown;
  throw new Error(
    `${init.transformModule} exports no pipeline factory (looked for ${names.join(', ')}): export a function returning the pipeline`,
  );
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  let runner: PipelineRunner;
  try {
    if (init.pipeline) runner = new PipelineRunner(await buildPipeline(init.pipeline));
    else {
      const factory = await resolveFactory(init as WorkerInit & { transformModule: string });
      runner = new PipelineRunner(toCompose((await factory(init.factoryArgs)) as never));
    }
  } catch (e) {
    post({ type: 'init-error', error: encodeError(e) });
    return;
  }
  const queue: RunMessage[] = [];
  let active = 0;
  const pump = (): void => {
    while (active < init.concurrency && queue.length) {
      const msg = queue.shift() as RunMessage;
      active++;
      void handle(msg).finally(() => {
        active--;
        pump();
      });
    }
  };
  const handle = async (msg: RunMessage): Promise<void> => {
    try {
      let item = decodeItem(msg.item);
      if (msg.copy) item = deepCopyItem(item);
      const out = await runner.run(item, {
        start: msg.start,
        end: msg.end,
        seed: msg.seed,
        onPrefix: msg.wantPrefix
          ? (p) => post({ type: 'prefix', id: msg.id, item: encodeItem(toSharedItem(p)).value })
          : undefined,
      });
      // a cached result is written to shared memory here, in parallel, instead of on the main thread
      const enc = encodeItem(msg.shareResult ? toSharedItem(out) : out, true);
      post({ type: 'result', id: msg.id, item: enc.value }, enc.transfer);
    } catch (e) {
      post({ type: 'error', id: msg.id, error: encodeError(e) });
    }
  };
  port!.on('message', (msg: RunMessage) => {
    queue.push(msg);
    pump();
  });
  post({
    type: 'ready',
    description: JSON.stringify(runner.compose.describe()),
    steps: runner.compose.transforms.map(describeStep),
    cut: runner.cut,
    length: runner.compose.length,
  });
}

void main();

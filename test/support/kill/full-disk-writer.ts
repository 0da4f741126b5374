/**
 * Child process for the full-disk tests, run under `ulimit -f 16` (writes past 16 KiB fail with
 * EFBIG, as ENOSPC would): writes a PersistentDataset entry and a run with a long metric history,
 * and prints what each write threw as JSON lines.
 * Usage: `node --import tsx full-disk-writer.ts cache <cacheDir>` or `... mlruns <root>`.
 */
import { PersistentDataset } from '../../../datasets/persistent-dataset.js';
import { FileStore } from '../../../src/tracking/file-store.js';
import { killTestItems, killTestPipeline } from './pipelines.js';

function report(what: string, e: unknown): void {
  const err = e as Error & { code?: string; cause?: { code?: string } };
  const line = { what, name: err?.name, message: err?.message, code: err?.code ?? err?.cause?.code };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const [mode, target] = [process.argv[2], process.argv[3]!];
if (mode === 'cache') {
  const ds = new PersistentDataset({
    data: killTestItems(),
    transform: killTestPipeline(),
    cacheDir: target,
  });
  try {
    await ds.get(0);
    report('cache', { name: 'none' });
  } catch (e) {
    report('cache', e);
  }
  process.exit(0);
}
const store = new FileStore(target);
const run = await store.createRun({ experimentId: '0' });
try {
  for (let b = 0; b < 3; b++)
    await store.logBatch(run.info.run_id, {
      metrics: Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: 1 / (i + 1),
        timestamp: 1700000000000 + i,
        step: b * 1000 + i,
      })),
    });
  report('mlruns', { name: 'none' });
} catch (e) {
  report('mlruns', e);
}
process.stdout.write(`run ${run.info.run_id}\n`);

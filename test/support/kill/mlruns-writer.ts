/**
 * Child process for the kill tests: writes experiments and runs into a FileStore (./mlruns layout)
 * as a training script does — params, tags, metric batches, status — until it is killed.
 * Usage: `node --import tsx mlruns-writer.ts <root>`; prints `ready` once writing starts.
 */
import { FileStore } from '../../../src/tracking/file-store.js';

const store = new FileStore(process.argv[2]!);
process.stdout.write('ready\n');
for (let e = 0; ; e++) {
  const exp = await store.createExperiment(`exp-${process.pid}-${e}`, {
    tags: [{ key: 'team', value: 'robust' }],
  });
  for (let r = 0; r < 3; r++) {
    const run = await store.createRun({ experimentId: exp, tags: [{ key: 'fold', value: String(r) }] });
    const id = run.info.run_id;
    await store.logBatch(id, {
      params: [
        { key: 'lr', value: '0.001' },
        { key: 'model/depth', value: String(4 + r) },
      ],
    });
    for (let step = 0; step < 20; step++)
      await store.logBatch(id, {
        metrics: [
          { key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step },
          { key: 'val/dice', value: step / 20, timestamp: Date.now(), step },
        ],
      });
    await store.updateRun(id, { status: 'FINISHED', endTime: Date.now() });
  }
}

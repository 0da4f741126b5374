/**
 * A training script stand-in for process-level tests (run with `node --import tsx`). The mode is the
 * first argument; tracking settings come from the environment (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID …).
 */
import { startRun } from '../../../src/tracking/index.js';

const mode = process.argv[2] ?? 'ok';
const run = await startRun({ runName: `child-${mode}`, flushIntervalMs: 0, gitTags: false });
process.stdout.write(`READY ${run.id}\n`);
run.logMetric('child_metric', 1.5, { step: 1 });
await run.flush();

switch (mode) {
  case 'ok':
    await run.logParams({ from_child: 'yes' });
    await run.end();
    break;
  case 'throw':
    setTimeout(() => {
      throw new Error('boom from the training loop');
    }, 5);
    break;
  case 'reject':
    void Promise.reject(new Error('rejected in the training loop'));
    break;
  case 'wait':
    setInterval(() => undefined, 1000);
    break;
  case 'forget':
    run.logMetric('child_metric', 2.5, { step: 2 });
    break;
  case 'exit3':
    await run.end('FAILED');
    process.exitCode = 3;
    break;
  case 'selfkill':
    process.kill(process.pid, 'SIGKILL');
    break;
}

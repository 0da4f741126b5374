/**
 * Fuzz child process: reads the inputs the parent names, one at a time, and reports each outcome
 * over IPC. Run by {@link runFuzzCampaign} so that a hang or a memory blow-up kills this process only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputAt } from './campaign.js';
import { readFuzzInput } from './read-input.js';

/** What the parent sends: read inputs `from`, `from + 1`, ... until `to` (exclusive) or the deadline. */
export interface ChildTask {
  seed: number;
  from: number;
  to: number;
  deadline: number;
  rssLimitMb: number;
}

/** What the child reports, per input: `start` before reading it, then its result. */
export type ChildReport =
  | { type: 'start'; index: number; description: string }
  | { type: 'result'; index: number; outcome: string; detail?: string; ms: number }
  | { type: 'idle' };

const send = (m: ChildReport): Promise<void> =>
  new Promise((ok) => (process.send ? process.send(m, undefined, undefined, () => ok()) : ok()));

process.once('message', (task: ChildTask) => {
  void (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'csc-fuzz-'));
    try {
      for (let i = task.from; i < task.to && Date.now() < task.deadline; i++) {
        const input = await inputAt(task.seed, i);
        await send({ type: 'start', index: i, description: input.description });
        const t0 = performance.now();
        const res = await readFuzzInput(join(dir, 'in'), input);
        const ms = performance.now() - t0;
        const rssMb = process.resourceUsage().maxRSS / 1024;
        if (rssMb > task.rssLimitMb) {
          await send({
            type: 'result',
            index: i,
            outcome: 'memory',
            detail: `peak RSS ${rssMb.toFixed(0)} MB`,
            ms,
          });
          break; // a fresh child measures the next input from a clean peak
        }
        await send({ type: 'result', index: i, ms, ...res });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await send({ type: 'idle' });
    process.disconnect();
  })();
});

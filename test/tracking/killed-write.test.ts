/**
 * A process writing runs into ./mlruns killed with SIGKILL at seeded random moments leaves nothing a
 * later run reads as valid: every experiment and run the store lists reads back whole (meta, params,
 * tags, metric histories with no partial line), a later run logs on without cleanup and sweeps the
 * dead writer's temporary files. A full disk (file size limit: EFBIG) is a StorageError and leaves
 * the metric file as it was.
 */
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RandomState } from '../../src/random/index.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { runAndKill } from '../support/kill/run-and-kill.js';
import { runWithFileSizeLimit } from '../support/kill/run-limited.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csc-killed-mlruns-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tempFiles(root: string): Promise<string[]> {
  const all = (await readdir(root, { recursive: true })) as string[];
  return all.filter((p) => /\.tmp-/.test(p));
}

describe('./mlruns killed mid-write', () => {
  it('leaves nothing a later run reads as valid, and the later run goes on without cleanup', async () => {
    const root = join(dir, 'mlruns');
    const r = new RandomState(3);
    for (let trial = 0; trial < 3; trial++) {
      const run = await runAndKill('mlruns-writer.ts', [root], r.randint(20, 500));
      expect(run.signal, run.stderr).toBe('SIGKILL');
    }
    // A later run, a minute later.
    const minuteAgo = new Date(Date.now() - 60_000);
    for (const p of await tempFiles(root)) await utimes(join(root, p), minuteAgo, minuteAgo);
    const store = new FileStore(root);
    const exps = (await store.searchExperiments({ maxResults: 1000 })).items;
    expect(exps.length).toBeGreaterThan(1);
    let runs = 0;
    for (const e of exps) {
      expect(e.name).toMatch(/^(Default|exp-\d+-\d+)$/);
      for (const t of e.tags ?? []) expect(t).toEqual({ key: 'team', value: 'robust' });
      for (const run of (await store.searchRuns({ experimentIds: [e.experiment_id] })).items) {
        runs++;
        const got = await store.getRun(run.info.run_id);
        expect(got.info.run_id).toMatch(/^[0-9a-f]{32}$/);
        expect(['RUNNING', 'FINISHED']).toContain(got.info.status);
        for (const p of got.data.params)
          expect(p.key === 'lr' ? p.value === '0.001' : /^[4-6]$/.test(p.value)).toBe(true);
        for (const t of got.data.tags) expect(t.key).not.toMatch(/\.tmp-/);
        for (const key of ['loss', 'val/dice']) {
          const h = await store.getMetricHistory(run.info.run_id, key);
          h.forEach((m, i) => {
            expect(m.step).toBe(i);
            expect(Number.isFinite(m.value) && Number.isFinite(m.timestamp)).toBe(true);
          });
        }
      }
    }
    expect(runs).toBeGreaterThan(0);
    // The later run writes on, and the dead writers' temporary files are gone.
    const exp = await store.createExperiment('after the crash');
    const run = await store.createRun({ experimentId: exp });
    await store.logMetric(run.info.run_id, 'loss', 0.5, { step: 0 });
    expect((await store.getMetricHistory(run.info.run_id, 'loss')).map((m) => m.value)).toEqual([0.5]);
    expect(await tempFiles(root)).toEqual([]);
  }, 60_000);

  it('a full disk is a StorageError naming the file, and leaves the metric file as it was', async () => {
    const root = join(dir, 'full');
    const out = await runWithFileSizeLimit('full-disk-writer.ts', ['mlruns', root], 16);
    const [line, runLine] = out.trim().split('\n');
    const r = JSON.parse(line!) as { name: string; message: string; code: string };
    expect(r.name).toBe('StorageError');
    expect(r.code).toBe('EFBIG');
    expect(r.message).toMatch(/cannot write .*metrics\/loss .*the disk is full/);
    const runId = runLine!.split(' ')[1]!;
    const store = new FileStore(root);
    expect(await store.getMetricHistory(runId, 'loss')).toEqual([]);
    expect(await tempFiles(root)).toEqual([]);
  }, 30_000);
});

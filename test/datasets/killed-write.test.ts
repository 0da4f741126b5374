/**
 * A PersistentDataset writer killed with SIGKILL at seeded random moments leaves nothing a later run
 * reads as valid: every entry file decodes, a later run gets the pipeline's exact output, rebuilds
 * nothing and sweeps the dead writer's temporary files. A write that runs out of space (RLIMIT_FSIZE:
 * EFBIG, as ENOSPC) is a typed error naming the cause, and leaves no entry.
 */
import { mkdtemp, readFile, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_FILE_SUFFIX, decodeCacheEntry } from '../../datasets/cache-file-format.js';
import { Dataset } from '../../datasets/dataset.js';
import { PersistentDataset } from '../../datasets/persistent-dataset.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { RandomState } from '../../src/random/index.js';
import { killTestItems, killTestPipeline } from '../support/kill/pipelines.js';
import { runAndKill } from '../support/kill/run-and-kill.js';
import { runWithFileSizeLimit } from '../support/kill/run-limited.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csc-killed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PersistentDataset killed mid-write', () => {
  it('leaves no entry a later run reads as valid, and the later run recovers without cleanup', async () => {
    const cacheDir = join(dir, 'cache');
    const r = new RandomState(16);
    let rounds = 0;
    for (let trial = 0; trial < 3; trial++) {
      const run = await runAndKill('persistent-writer.ts', [cacheDir], r.randint(20, 400));
      expect(run.signal, run.stderr).toBe('SIGKILL');
      rounds = Math.max(rounds, (run.stdout.match(/round \d+/g) ?? []).length);
    }
    const names = await readdir(cacheDir);
    const entries = names.filter((n) => n.endsWith(CACHE_FILE_SUFFIX));
    expect(entries.length).toBeGreaterThan(0);
    // Every file named as an entry is complete.
    for (const n of entries)
      decodeCacheEntry(await readFile(join(cacheDir, n)), n.slice(0, -CACHE_FILE_SUFFIX.length));
    // The later run comes a minute later: the dead writers' temporary files are old by then.
    const temps = names.filter((n) => n.startsWith('.tmp-'));
    const minuteAgo = new Date(Date.now() - 60_000);
    for (const n of temps) await utimes(join(cacheDir, n), minuteAgo, minuteAgo);
    // A later run serves exactly what the pipeline computes, rebuilding nothing.
    const plain = new Dataset({ data: killTestItems(), transform: killTestPipeline() });
    for (let version = 0; version <= rounds + 1; version++) {
      const ds = new PersistentDataset({
        data: killTestItems(),
        transform: killTestPipeline(),
        cacheDir,
        cacheVersion: version,
      });
      for (let i = 0; i < ds.length; i++) {
        const got = (await ds.get(i)) as { image: MetaImage };
        const want = (await plain.get(i)) as { image: MetaImage };
        expect(got.image.shape).toEqual(want.image.shape);
        expect(got.image.data).toEqual(want.image.data);
      }
      expect(ds.stats.rebuilt).toBe(0);
    }
    // The killed writers' temporary files are gone.
    expect((await readdir(cacheDir)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  }, 60_000);

  it('a full disk (file size limit: EFBIG) is a typed error and leaves no entry', async () => {
    const cacheDir = join(dir, 'full');
    const out = await runWithFileSizeLimit('full-disk-writer.ts', ['cache', cacheDir], 16);
    const r = JSON.parse(out.trim().split('\n')[0]!) as { name: string; message: string };
    expect(r.name).toBe('ItemError');
    expect(r.message).toMatch(/cannot write the persistent cache entry of item 0 .*EFBIG.*disk is full/);
    expect(await readdir(cacheDir)).toEqual([]);
  }, 30_000);
});

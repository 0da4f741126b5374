import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StorageError } from '../errors.js';

/**
 * Writes a file atomically: to a temporary name in the same folder, then `rename` into place, so a
 * reader (or `mlflow ui`) never sees a half-written file and a crash leaves the old content. A failed
 * write (full disk, file size limit, no permission) removes the temporary file and throws a
 * {@link StorageError} naming the file and the cause.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw StorageError.from(path, e);
  }
}

/** Temporary names of {@link writeFileAtomic} (`<file>.tmp-<pid>-<hex>`) and cache writers (`.tmp-<key>-<pid>-<hex>`). */
const TEMP_NAME = /\.tmp-(?:.*-)?(\d+)-[0-9a-f]+$/;

/** A temporary file untouched this long, whose writer is not a live process here, is abandoned. */
const ABANDONED_AFTER_MS = 30_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that killed writers left in `dir` (and its sub-folders with
 * `recursive`, except those named in `skip`): files with a temporary name whose writing process is
 * gone and that nobody has written for 30 s (a live writer on another machine sharing the folder keeps
 * its file fresh). Returns how many were removed. Readers skip temporary names anyway: this only
 * keeps the folder tidy.
 */
export async function removeAbandonedTempFiles(
  dir: string,
  options: { recursive?: boolean; skip?: readonly string[] } = {},
): Promise<number> {
  let removed = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (options.recursive && !options.skip?.includes(e.name))
        removed += await removeAbandonedTempFiles(p, options);
      continue;
    }
    const m = TEMP_NAME.exec(e.name);
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      if (Date.now() - (await stat(p)).mtimeMs < ABANDONED_AFTER_MS) continue;
      await rm(p, { force: true });
      removed++;
    } catch {
      // Gone already (another process swept it).
    }
  }
  return removed;
}

/**
 * Reads one fuzz input as a user would (the reader registry's choice, or a scan zip unpacked and
 * read as a series) and classifies what came back.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CscMlopsError } from '../../../src/errors.js';
import { findReader } from '../../../src/io/reader-registry.js';
import { extractZip } from '../../../src/xnat/zip-extract.js';
import type { FuzzInput } from './inputs.js';

/** `image`: read; `typed`: one of our errors naming the file; `untyped`: anything else. */
export interface FuzzResult {
  outcome: 'image' | 'typed' | 'untyped';
  /** Error class and message (typed and untyped). */
  detail?: string;
}

async function deepestFolder(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  const sub = entries.filter((e) => e.isDirectory());
  if (sub.length === 1 && !entries.some((e) => e.isFile())) return deepestFolder(join(dir, sub[0]!.name));
  return dir;
}

/** Writes `input` into the empty folder `dir`, reads it, and removes what it wrote. */
export async function readFuzzInput(dir: string, input: FuzzInput): Promise<FuzzResult> {
  for (const f of input.files) {
    await mkdir(dirname(join(dir, f.name)), { recursive: true });
    await writeFile(join(dir, f.name), f.bytes);
  }
  const target = join(dir, input.read);
  try {
    let path = target;
    if (input.kind === 'zip') {
      const out = join(dir, 'unzipped');
      await extractZip(target, out);
      path = await deepestFolder(out);
    }
    const reader = await findReader(path);
    const img = await reader.read(path);
    const voxels = img.shape.reduce((a, b) => a * b, 1);
    if (img.data.length !== voxels)
      return { outcome: 'untyped', detail: `shape [${img.shape.join(', ')}] but ${img.data.length} values` };
    return { outcome: 'image' };
  } catch (e) {
    const detail = `${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}`;
    if (!(e instanceof CscMlopsError)) return { outcome: 'untyped', detail };
    // Our errors name what they read: the file or folder (zips: the archive's own errors).
    const named = e.message.includes(dir) || input.kind === 'zip';
    return named ? { outcome: 'typed', detail } : { outcome: 'untyped', detail: `unnamed: ${detail}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }
}

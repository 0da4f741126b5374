import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { FileInfo } from '../types.js';
import {
  BaseArtifactRepository,
  artifactNotFound,
  joinArtifactPath,
  normalizeArtifactPath,
} from './artifact-repository.js';

/** Turns a `file:` URI or a plain path into a local path. */
export function localPathFromUri(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

/**
 * Artifacts in a local folder (`file:///…/mlruns/<exp>/<run>/artifacts`), as the FileStore writes them.
 * Files are copied to a temporary name and renamed into place, so readers never see half a file.
 */
export class LocalArtifactRepository extends BaseArtifactRepository {
  /** The artifact root as a local path. */
  readonly root: string;
  constructor(artifactUri: string) {
    super(artifactUri.startsWith('file:') ? artifactUri : pathToFileURL(artifactUri).href);
    this.root = localPathFromUri(artifactUri);
  }

  private local(path: string): string {
    const rel = normalizeArtifactPath(path);
    return rel === '' ? this.root : join(this.root, ...rel.split('/'));
  }

  protected async putFile(path: string, localFile: string): Promise<void> {
    const target = this.local(path);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await copyFile(localFile, tmp);
    await rename(tmp, target);
  }

  async putBytes(path: string, data: Uint8Array | string): Promise<void> {
    const target = this.local(path);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, data);
    await rename(tmp, target);
  }

  async listArtifacts(path?: string): Promise<FileInfo[]> {
    const rel = normalizeArtifactPath(path);
    const dir = this.local(rel);
    let entries;
    try {
      if (!(await stat(dir)).isDirectory()) return [];
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: FileInfo[] = [];
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.includes('.tmp-')) continue;
      const p = joinArtifactPath(rel, e.name);
      if (e.isDirectory()) out.push({ path: p, is_dir: true });
      else out.push({ path: p, is_dir: false, file_size: (await stat(join(dir, e.name))).size });
    }
    return out;
  }

  protected async openRead(path: string): Promise<ReadableStream<Uint8Array>> {
    const file = this.local(path);
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      throw artifactNotFound(this.artifactUri, path);
    }
    return Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
  }
}

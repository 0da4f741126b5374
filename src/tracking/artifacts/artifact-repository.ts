import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { ConfigError, MlflowError } from '../../errors.js';
import type { FileInfo } from '../types.js';

/**
 * Where a run's artifacts live (`artifact_uri`): a local folder, the tracking server's artifact proxy
 * (`mlflow-artifacts:`) or an S3/MinIO bucket (`s3://`). Paths are relative to the run's artifact root and
 * use `/`.
 */
export interface ArtifactRepository {
  /** The artifact root URI this repository writes under. */
  readonly artifactUri: string;
  /** Uploads one local file as `<artifactPath>/<file name>` (at the root without `artifactPath`). */
  logArtifact(localFile: string, artifactPath?: string): Promise<void>;
  /** Uploads the contents of a local folder, recursively, under `artifactPath`. */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void>;
  /** Writes bytes (or UTF-8 text) to one artifact path. */
  putBytes(path: string, data: Uint8Array | string): Promise<void>;
  /** Lists the direct children of a folder (the root without `path`). */
  listArtifacts(path?: string): Promise<FileInfo[]>;
  /** Reads one artifact fully. */
  readArtifact(path: string): Promise<Uint8Array>;
  /** Downloads a file or folder into `destDir`, returning the local path. */
  downloadArtifacts(path: string, destDir: string): Promise<string>;
}

/**
 * Checks and normalises an artifact path: relative, `/`-separated, no `..`, no empty parts.
 * @throws ConfigError on a path that would escape the artifact root
 */
export function normalizeArtifactPath(path: string | undefined): string {
  if (path === undefined) return '';
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) {
    throw new ConfigError(`artifact path '${path}' must not contain '..'`);
  }
  if (path.startsWith('/'))
    throw new ConfigError(`artifact path '${path}' must be relative to the run's artifact root`);
  return parts.join('/');
}

/** Joins artifact path parts with `/`, skipping empty ones. */
export function joinArtifactPath(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join('/');
}

const MIME: Record<string, string> = {
  json: 'application/json',
  txt: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  yaml: 'application/x-yaml',
  yml: 'application/x-yaml',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
  gz: 'application/gzip',
  zip: 'application/zip',
  npy: 'application/octet-stream',
};

/** A Content-Type guessed from the file extension (as Python's `mimetypes`), else octet-stream. */
export function guessContentType(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return (ext !== undefined ? MIME[ext] : undefined) ?? 'application/octet-stream';
}

/** Lists the files under a folder, recursively, as paths relative to it (with `/`). */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await visit(full);
      else if (e.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  await visit(dir);
  return out.sort();
}

/**
 * Base of the artifact repositories: folder uploads, downloads and reads are built on four
 * primitives (`putFile`, `putBytes`, `openRead`, `listArtifacts`).
 */
export abstract class BaseArtifactRepository implements ArtifactRepository {
  /** Parallel uploads for {@link logArtifacts}. */
  protected readonly concurrency: number = 4;
  constructor(readonly artifactUri: string) {}

  /** Uploads a local file (streamed) to `path`. */
  protected abstract putFile(path: string, localFile: string, size: number): Promise<void>;
  /** Opens an artifact for reading. */
  protected abstract openRead(path: string): Promise<ReadableStream<Uint8Array>>;
  abstract putBytes(path: string, data: Uint8Array | string): Promise<void>;
  abstract listArtifacts(path?: string): Promise<FileInfo[]>;

  async logArtifact(localFile: string, artifactPath?: string): Promise<void> {
    const st = await statOrThrow(localFile);
    if (!st.isFile())
      throw new ConfigError(`logArtifact: ${localFile} is not a file (use logArtifacts for folders)`);
    await this.putFile(
      joinArtifactPath(normalizeArtifactPath(artifactPath), basename(localFile)),
      localFile,
      st.size,
    );
  }

  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    const st = await statOrThrow(localDir);
    if (!st.isDirectory())
      throw new ConfigError(`logArtifacts: ${localDir} is not a folder (use logArtifact for files)`);
    const prefix = normalizeArtifactPath(artifactPath);
    const files = await walkFiles(localDir);
    const limit = pLimit(this.concurrency);
    await Promise.all(
      files.map((f) =>
        limit(async () => {
          const local = join(localDir, ...f.split('/'));
          await this.putFile(joinArtifactPath(prefix, f), local, (await stat(local)).size);
        }),
      ),
    );
  }

  async readArtifact(path: string): Promise<Uint8Array> {
    const stream = await this.openRead(normalizeArtifactPath(path));
    const chunks: Uint8Array[] = [];
    for await (const c of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
    return new Uint8Array(Buffer.concat(chunks));
  }

  async downloadArtifacts(path: string, destDir: string): Promise<string> {
    const rel = normalizeArtifactPath(path);
    const name = rel === '' ? '' : (rel.split('/').pop() ?? '');
    const listing = await this.listArtifacts(rel);
    const isDir = rel === '' || listing.length > 0;
    const target = join(destDir, ...name.split('/'));
    if (!isDir) {
      await this.downloadFile(rel, target);
      return target;
    }
    await mkdir(target, { recursive: true });
    const limit = pLimit(this.concurrency);
    const visit = async (dirPath: string): Promise<void> => {
      const entries = await this.listArtifacts(dirPath);
      await Promise.all(
        entries.map(async (e) => {
          const sub = e.path.slice(rel === '' ? 0 : rel.length + 1);
          if (e.is_dir) {
            await mkdir(join(target, ...sub.split('/')), { recursive: true });
            await visit(e.path);
          } else {
            await limit(() => this.downloadFile(e.path, join(target, ...sub.split('/'))));
          }
        }),
      );
    };
    await visit(rel);
    return target;
  }

  private async downloadFile(path: string, target: string): Promise<void> {
    await mkdir(dirname(target), { recursive: true });
    const stream = await this.openRead(path);
    await pipeline(
      Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>),
      createWriteStream(target),
    );
  }
}

async function statOrThrow(p: string) {
  try {
    return await stat(p);
  } catch (e) {
    throw new ConfigError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      cause: e,
    });
  }
}

/** Error for an artifact that does not exist. */
export function artifactNotFound(uri: string, path: string): MlflowError {
  return new MlflowError(`artifact '${path}' not found under ${uri}`, 'RESOURCE_DOES_NOT_EXIST', 404);
}

import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { CscMlopsError, DownloadTooLargeError } from '../errors.js';
import { displayPathName } from '../patient-identifiers.js';
import { cacheWriteError } from './write-error.js';

/** A zip that cannot be trusted: truncated, bad central directory, CRC or size mismatch. */
export class ZipCorruptError extends CscMlopsError {}

/** A zip entry whose name would land outside the target folder (zip-slip), or is otherwise unsafe. */
export class ZipUnsafeEntryError extends CscMlopsError {}

let table: Uint32Array | undefined;
function crc32Fallback(buf: Uint8Array, crc = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < buf.length; i++) c = (table[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  return (c ^ 0xffffffff) >>> 0;
}

const crc32: (data: Uint8Array, value?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (zlib as unknown as { crc32: (d: Uint8Array, v?: number) => number }).crc32
    : crc32Fallback;

/** Resolves a zip entry name inside `root`, refusing anything that would escape it. */
export function safeEntryPath(root: string, name: string): string {
  if (name.includes('\0'))
    throw new ZipUnsafeEntryError(`zip entry name ${displayPathName(name)} contains a NUL byte`);
  const norm = name.replace(/\\/g, '/');
  if (norm.startsWith('/') || /^[a-zA-Z]:/.test(norm) || norm.split('/').includes('..'))
    throw new ZipUnsafeEntryError(
      `zip entry ${displayPathName(name)} would be written outside the target folder (zip-slip); refusing to unpack this zip`,
    );
  const base = resolve(root);
  const target = resolve(base, norm);
  if (target !== base && !target.startsWith(base + sep))
    throw new ZipUnsafeEntryError(
      `zip entry ${displayPathName(name)} would be written outside the target folder (zip-slip); refusing to unpack this zip`,
    );
  return target;
}

/** Caps on what a zip may inflate to (checked against the declared sizes first, then while inflating). */
export interface ZipLimits {
  /** Largest entry, uncompressed, in bytes (default 2 GiB). */
  maxEntryBytes?: number;
  /** All entries together, uncompressed, in bytes (default 16 GiB). */
  maxTotalBytes?: number;
}

/** Default {@link ZipLimits}: 2 GiB per entry, 16 GiB in all. */
export const DEFAULT_ZIP_LIMITS: Required<ZipLimits> = {
  maxEntryBytes: 2 * 1024 ** 3,
  maxTotalBytes: 16 * 1024 ** 3,
};

function tooLarge(name: string, bytes: number, limit: number, which: 'maxEntryBytes' | 'maxTotalBytes') {
  return new DownloadTooLargeError(
    which === 'maxEntryBytes'
      ? `zip entry ${displayPathName(name)} inflates to ${bytes} bytes, more than maxEntryBytes (${limit}); refusing to unpack it (raise maxEntryBytes if this scan is really that large)`
      : `the zip inflates to ${bytes} bytes or more, more than maxTotalBytes (${limit}); refusing to unpack it (raise maxTotalBytes if this scan is really that large)`,
    limit,
  );
}

/**
 * Checks and unpacks a zip file into `dest` (created if needed): reads the central directory, checks
 * every entry's size and CRC-32, refuses entries whose names would escape `dest`, and bounds what it
 * inflates ({@link ZipLimits}: declared sizes are checked before inflating, real sizes while
 * inflating). Returns the unpacked file paths in zip order. Throws {@link ZipCorruptError},
 * {@link ZipUnsafeEntryError}, `DownloadTooLargeError` or `CacheWriteError` (disk full); on error,
 * files already written stay in `dest` (unpack into a temporary folder).
 */
export async function extractZip(zipPath: string, dest: string, limits: ZipLimits = {}): Promise<string[]> {
  const maxEntry = limits.maxEntryBytes ?? DEFAULT_ZIP_LIMITS.maxEntryBytes;
  const maxTotal = limits.maxTotalBytes ?? DEFAULT_ZIP_LIMITS.maxTotalBytes;
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) =>
    yauzl.open(
      zipPath,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false },
      (err, z) =>
        err ? fail(new ZipCorruptError(`not a complete zip file (${err.message})`, { cause: err })) : ok(z),
    ),
  );
  const files: string[] = [];
  const root = resolve(dest);
  let declaredTotal = 0;
  let inflatedTotal = 0;
  try {
    await mkdir(root, { recursive: true });
  } catch (e) {
    zip.close();
    throw cacheWriteError(root, e, 'the unpacked zip');
  }
  try {
    await new Promise<void>((ok, fail) => {
      let failed = false;
      const bail = (e: unknown) => {
        if (failed) return;
        failed = true;
        const msg = e instanceof Error ? e.message : String(e);
        if (e instanceof CscMlopsError) fail(e);
        else if (/invalid relative path|absolute path|invalid characters in fileName/i.test(msg)) {
          // yauzl's message ends with the entry name
          const named = /^([^:]+): ([\s\S]*)$/.exec(msg);
          const shown = named ? `${named[1]}: ${displayPathName(named[2]!)}` : msg;
          fail(
            new ZipUnsafeEntryError(`unsafe zip entry name (${shown}); refusing to unpack this zip`, {
              cause: e,
            }),
          );
        } else fail(new ZipCorruptError(`corrupt zip (${msg})`, { cause: e }));
      };
      zip.on('error', bail);
      zip.on('end', () => {
        if (!failed) ok();
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (failed) return;
        void (async () => {
          const isDir = entry.fileName.endsWith('/');
          const target = safeEntryPath(root, entry.fileName);
          if (isDir) {
            await mkdir(target, { recursive: true }).catch((e: unknown) => {
              throw cacheWriteError(target, e, 'the unpacked zip');
            });
            zip.readEntry();
            return;
          }
          if (entry.isEncrypted())
            throw new ZipCorruptError(
              `zip entry ${displayPathName(entry.fileName)} is encrypted; cannot unpack it`,
            );
          if (entry.uncompressedSize > maxEntry)
            throw tooLarge(entry.fileName, entry.uncompressedSize, maxEntry, 'maxEntryBytes');
          declaredTotal += entry.uncompressedSize;
          if (declaredTotal > maxTotal)
            throw tooLarge(entry.fileName, declaredTotal, maxTotal, 'maxTotalBytes');
          await mkdir(dirname(target), { recursive: true }).catch((e: unknown) => {
            throw cacheWriteError(target, e, 'the unpacked zip');
          });
          const stream = await new Promise<NodeJS.ReadableStream & { destroy(e?: Error): void }>((res, rej) =>
            zip.openReadStream(entry, (err, s) => (err ? rej(err) : res(s))),
          );
          let crc = 0;
          let inflated = 0;
          const out = createWriteStream(target);
          await new Promise<void>((res, rej) => {
            stream.on('data', (chunk: Buffer) => {
              crc = crc32(chunk, crc);
              inflated += chunk.length;
              inflatedTotal += chunk.length;
              const over =
                inflated > maxEntry
                  ? tooLarge(entry.fileName, inflated, maxEntry, 'maxEntryBytes')
                  : inflatedTotal > maxTotal
                    ? tooLarge(entry.fileName, inflatedTotal, maxTotal, 'maxTotalBytes')
                    : undefined;
              if (over) {
                stream.unpipe(out);
                stream.destroy();
                out.destroy();
                rej(over);
              }
            });
            stream.on('error', rej);
            out.on('error', (e) => rej(cacheWriteError(target, e, 'the unpacked zip')));
            out.on('finish', () => res());
            stream.pipe(out);
          });
          if (crc >>> 0 !== entry.crc32 >>> 0)
            throw new ZipCorruptError(
              `CRC-32 mismatch in zip entry ${displayPathName(entry.fileName)} (stored ${entry.crc32.toString(16)}, computed ${(crc >>> 0).toString(16)})`,
            );
          files.push(target);
          zip.readEntry();
        })().catch(bail);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return files;
}

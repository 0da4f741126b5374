import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { CscMlopsError } from '../errors.js';

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
    throw new ZipUnsafeEntryError(`zip entry name contains a NUL byte: ${JSON.stringify(name)}`);
  const norm = name.replace(/\\/g, '/');
  if (norm.startsWith('/') || /^[a-zA-Z]:/.test(norm) || norm.split('/').includes('..'))
    throw new ZipUnsafeEntryError(
      `zip entry '${name}' would be written outside the target folder (zip-slip); refusing to unpack this zip`,
    );
  const base = resolve(root);
  const target = resolve(base, norm);
  if (target !== base && !target.startsWith(base + sep))
    throw new ZipUnsafeEntryError(
      `zip entry '${name}' would be written outside the target folder (zip-slip); refusing to unpack this zip`,
    );
  return target;
}

/**
 * Checks and unpacks a zip file into `dest` (created if needed): reads the central directory, checks
 * every entry's size and CRC-32, and refuses entries whose names would escape `dest`. Returns the
 * unpacked file paths in zip order. Throws {@link ZipCorruptError} or {@link ZipUnsafeEntryError};
 * on error, files already written stay in `dest` (unpack into a temporary folder).
 */
export async function extractZip(zipPath: string, dest: string): Promise<string[]> {
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
  await mkdir(root, { recursive: true });
  try {
    await new Promise<void>((ok, fail) => {
      let failed = false;
      const bail = (e: unknown) => {
        if (failed) return;
        failed = true;
        const msg = e instanceof Error ? e.message : String(e);
        if (e instanceof CscMlopsError) fail(e);
        else if (/invalid relative path|absolute path|invalid characters in fileName/i.test(msg))
          fail(
            new ZipUnsafeEntryError(`unsafe zip entry name (${msg}); refusing to unpack this zip`, {
              cause: e,
            }),
          );
        else fail(new ZipCorruptError(`corrupt zip (${msg})`, { cause: e }));
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
            await mkdir(target, { recursive: true });
            zip.readEntry();
            return;
          }
          if (entry.isEncrypted())
            throw new ZipCorruptError(`zip entry '${entry.fileName}' is encrypted; cannot unpack it`);
          await mkdir(dirname(target), { recursive: true });
          const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
            zip.openReadStream(entry, (err, s) => (err ? rej(err) : res(s))),
          );
          let crc = 0;
          const out = createWriteStream(target);
          await new Promise<void>((res, rej) => {
            stream.on('data', (chunk: Buffer) => {
              crc = crc32(chunk, crc);
            });
            stream.on('error', rej);
            out.on('error', rej);
            out.on('finish', () => res());
            stream.pipe(out);
          });
          if (crc >>> 0 !== entry.crc32 >>> 0)
            throw new ZipCorruptError(
              `CRC-32 mismatch in zip entry '${entry.fileName}' (stored ${entry.crc32.toString(16)}, computed ${(crc >>> 0).toString(16)})`,
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

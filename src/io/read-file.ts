import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { ImageReadError, describeError } from '../errors.js';

/** True if the bytes start with the gzip magic. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Reads a whole file, gunzipping it (streamed, into one preallocated buffer when the gzip trailer's
 * size is plausible) when it is gzip-compressed. Missing files and corrupt gzip streams become
 * ImageReadErrors naming the file.
 */
export async function readMaybeGzip(file: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new ImageReadError(file, 'is a directory, not a file');
    // Small files are read in one synchronous call (a few ms from the page cache): an async readFile
    // needs a main-thread turn per 512 KiB, so under a busy pipeline it would stall between chunks.
    // Large files are read asynchronously so the main thread is never blocked for long.
    raw = st.size <= SYNC_READ_LIMIT ? readFileSync(file) : await readFile(file);
  } catch (e) {
    if (e instanceof ImageReadError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageReadError(file, code === 'ENOENT' ? 'file does not exist' : describeError(e), {
      cause: e,
    });
  }
  if (!isGzip(raw)) return raw;
  return gunzipToBuffer(file, raw);
}

/** Files up to this size are read synchronously (see {@link readMaybeGzip}). */
const SYNC_READ_LIMIT = 32 * 1024 * 1024;

async function gunzipToBuffer(file: string, raw: Buffer): Promise<Uint8Array> {
  // ISIZE (last 4 bytes) is the uncompressed size mod 2^32: use it to preallocate.
  const hint = raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : 0;
  let out = Buffer.allocUnsafe(Math.max(hint, 1024));
  let used = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      // One output chunk as large as the whole file: zlib then inflates it in a single thread-pool job,
      // which keeps running while the main thread is busy with transforms (small chunks would each wait
      // for a main-thread callback).
      const gz = createGunzip({ chunkSize: Math.min(Math.max(hint + 1, 1 << 16), 1 << 30) });
      gz.on('data', (chunk: Buffer) => {
        if (used + chunk.length > out.length) {
          const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, used + chunk.length));
          out.copy(bigger, 0, 0, used);
          out = bigger;
        }
        chunk.copy(out, used);
        used += chunk.length;
      });
      gz.on('end', resolve);
      gz.on('error', reject);
      gz.end(raw);
    });
  } catch (e) {
    throw new ImageReadError(file, `corrupt or truncated gzip data (${describeError(e)})`, { cause: e });
  }
  return out.subarray(0, used);
}

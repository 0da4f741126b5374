import { open } from 'node:fs/promises';
import { cacheWriteError } from './write-error.js';

/**
 * Streams a response body to `file` (created or truncated), calling `touch()` per chunk (to restart
 * an idle timeout). Returns the bytes written. Write failures (disk full, file size limit) become a
 * `CacheWriteError`; read failures (a dropped connection) propagate as they are, for the caller's
 * retry loop. The caller removes `file` on failure.
 */
export async function streamToFile(
  body: ReadableStream<Uint8Array>,
  file: string,
  touch: () => void = () => undefined,
): Promise<number> {
  let fh;
  try {
    fh = await open(file, 'w');
  } catch (e) {
    await body.cancel().catch(() => undefined);
    throw cacheWriteError(file, e);
  }
  let bytes = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      touch();
      try {
        await fh.write(value);
      } catch (e) {
        await reader.cancel().catch(() => undefined);
        throw cacheWriteError(file, e);
      }
      bytes += value.length;
    }
  } finally {
    reader.releaseLock();
    await fh.close().catch(() => undefined);
  }
  return bytes;
}

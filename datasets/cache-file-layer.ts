import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';

/**
 * The file operations of the persistent cache. Injectable so that tests (and users on unusual
 * storage) can replace them, e.g. to simulate a full disk.
 */
export interface CacheFileLayer {
  /** The whole file at `path`. */
  readFile(path: string): Promise<Uint8Array>;
  /** Writes the chunks, in order, to a new file at `path`. */
  writeFile(path: string, chunks: readonly Uint8Array[]): Promise<void>;
  /** Moves `from` to `to`, replacing `to` (atomic on one file system). */
  rename(from: string, to: string): Promise<void>;
  /** Deletes the file at `path`. */
  unlink(path: string): Promise<void>;
  /** Creates the folder `path` and its parents. */
  mkdir(path: string): Promise<void>;
}

/** The real file system (Node's fs/promises). */
export const nodeCacheFileLayer: CacheFileLayer = {
  readFile: (p) => readFile(p),
  async writeFile(p, chunks) {
    const fh = await open(p, 'w');
    try {
      for (const c of chunks) {
        let off = 0;
        while (off < c.byteLength) {
          const { bytesWritten } = await fh.write(c, off, c.byteLength - off);
          off += bytesWritten;
        }
      }
    } finally {
      await fh.close();
    }
  },
  rename: (a, b) => rename(a, b),
  unlink: (p) => unlink(p),
  mkdir: async (p) => {
    await mkdir(p, { recursive: true });
  },
};

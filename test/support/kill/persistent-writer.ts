/**
 * Child process for the kill tests: fills a PersistentDataset cache round after round (a new
 * `cacheVersion` each round, so every access writes an entry) until it is killed. Writes go through
 * the real file system in 4 KiB pieces, so a kill at a random moment often lands mid-entry.
 * Usage: `node --import tsx persistent-writer.ts <cacheDir>`; prints `ready` once writing starts.
 */
import { open } from 'node:fs/promises';
import { PersistentDataset } from '../../../datasets/persistent-dataset.js';
import { type CacheFileLayer, nodeCacheFileLayer } from '../../../datasets/cache-file-layer.js';
import { killTestPipeline, killTestItems } from './pipelines.js';

const cacheDir = process.argv[2]!;
const piecewise: CacheFileLayer = {
  ...nodeCacheFileLayer,
  async writeFile(p, chunks) {
    const fh = await open(p, 'w');
    try {
      for (const c of chunks)
        for (let off = 0; off < c.byteLength; off += 4096)
          await fh.write(c, off, Math.min(4096, c.byteLength - off));
    } finally {
      await fh.close();
    }
  },
};
process.stdout.write('ready\n');
for (let round = 0; ; round++) {
  const ds = new PersistentDataset({
    data: killTestItems(),
    transform: killTestPipeline(),
    cacheDir,
    cacheVersion: round,
    fileLayer: piecewise,
  });
  for (let i = 0; i < ds.length; i++) await ds.get(i);
  process.stdout.write(`round ${round}\n`);
}

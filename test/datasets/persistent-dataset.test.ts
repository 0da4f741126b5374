import type { DType } from '../../src/image/dtype.js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CacheFileLayer,
  DataLoader,
  PersistentDataset,
  nodeCacheFileLayer,
} from '../../datasets/index.js';
import { CACHE_MAGIC, decodeCacheEntry } from '../../datasets/cache-file-format.js';
import { DatasetError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { Compose, type ComposeStep } from '../../transforms/compose.js';
import { EnsureChannelFirstd } from '../../transforms/utility/ensure-channel-first.js';
import { LoadImaged } from '../../transforms/io/load-image.js';
import createPipeline from './support/pipeline-module.js';
import { Countd, RandOffsetd, Scaled } from './support/rand-transforms.js';
import { niftiItems } from './support/data.js';

const PIPELINE_MODULE = new URL('./support/pipeline-module.ts', import.meta.url);
let root: string;
let dir: string;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'csc-persist-'));
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  dir = join(root, `c${n++}`);
  Countd.calls = 0;
});

function pipeline(factor = 0.5, dtype: DType | null = 'float32'): Compose {
  const steps: ComposeStep[] = [
    new LoadImaged({ keys: ['image'], dtype }),
    new EnsureChannelFirstd({ keys: ['image'] }),
    new Scaled({ keys: ['image'], factor }),
    new Countd(),
    new RandOffsetd({ keys: ['image'] }),
  ];
  return new Compose(steps);
}

async function entries(d: string): Promise<string[]> {
  return (await readdir(d).catch(() => [] as string[])).sort();
}

describe('PersistentDataset', () => {
  it('writes one entry per item and serves later datasets from disk, keeping meta, affine, dtype and trace', async () => {
    const data = niftiItems(3);
    const prefix = new Compose(pipeline().transforms.slice(0, 4));
    const a = new PersistentDataset({ data, transform: pipeline(), cacheDir: dir });
    expect(a.cacheCut).toBe(4);
    const x = (await a.get(1)) as { image: MetaImage };
    expect(a.stats).toEqual({ hits: 0, misses: 1, writes: 1, rebuilt: 0 });
    expect(await entries(dir)).toEqual([`${a.keyOf(1)}.cmc`]);

    const b = new PersistentDataset({ data, transform: pipeline(), cacheDir: dir });
    const calls = Countd.calls;
    const fromDisk = (
      await (b as unknown as { prepare(i: number): Promise<{ item: { image: MetaImage } }> }).prepare(1)
    ).item;
    expect(Countd.calls).toBe(calls); // the prefix did not run again
    expect(b.stats.hits).toBe(1);
    const direct = (await prefix.apply(data[1]!)) as { image: MetaImage };
    expect(fromDisk.image.dtype).toBe('float32');
    expect(fromDisk.image.shape).toEqual(direct.image.shape);
    expect(fromDisk.image.data).toEqual(direct.image.data);
    expect(Array.from(fromDisk.image.affine)).toEqual(Array.from(direct.image.affine));
    expect(fromDisk.image.meta).toEqual(direct.image.meta);
    expect(fromDisk.image.appliedOperations).toEqual(direct.image.appliedOperations);
    expect(x.image.shape).toEqual(direct.image.shape);
  });

  it('keeps integer dtypes and documents its format (magic, version, header, checksum)', async () => {
    const ds = new PersistentDataset({
      data: niftiItems(1),
      transform: pipeline(1, null).transforms.slice(0, 2),
      cacheDir: dir,
    });
    await ds.get(0);
    const bytes = new Uint8Array(await readFile(ds.pathOf(0)));
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe(CACHE_MAGIC);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(1);
    const { item, key } = decodeCacheEntry(bytes);
    expect(key).toBe(ds.keyOf(0));
    const img = (item as { image: MetaImage }).image;
    expect(img.dtype).toBe('float32'); // syn_phantom is float32 on disk
    const i16 = new PersistentDataset({
      data: [{ image: 'test/golden/inputs/synthetic/syn_label.nii.gz' }],
      transform: pipeline(1, null).transforms.slice(0, 2),
      cacheDir: dir,
    });
    await i16.get(0);
    const again = new PersistentDataset({
      data: [{ image: 'test/golden/inputs/synthetic/syn_label.nii.gz' }],
      transform: pipeline(1, null).transforms.slice(0, 2),
      cacheDir: dir,
    });
    const r = (await again.get(0)) as { image: MetaImage };
    expect(again.stats.hits).toBe(1);
    expect(r.image.dtype).toBe('int16');
    expect(r.image.data).toBeInstanceOf(Int16Array);
  });

  it('keys entries by item, cached transforms and cacheVersion, so changes never serve stale data', async () => {
    const data = niftiItems(1);
    const base = new PersistentDataset({ data, transform: pipeline(0.5), cacheDir: dir });
    await base.get(0);
    const other = new PersistentDataset({ data, transform: pipeline(0.25), cacheDir: dir });
    expect(other.keyOf(0)).not.toBe(base.keyOf(0));
    const y = (await other.get(0)) as { image: MetaImage };
    expect(other.stats.misses).toBe(1);
    const v2 = new PersistentDataset({ data, transform: pipeline(0.5), cacheDir: dir, cacheVersion: 2 });
    expect(v2.keyOf(0)).not.toBe(base.keyOf(0));
    // a change after the cut (the random part) does not invalidate
    const after = new PersistentDataset({
      data,
      transform: [...pipeline(0.5).transforms.slice(0, 4), new RandOffsetd({ keys: ['image'], range: 99 })],
      cacheDir: dir,
    });
    expect(after.keyOf(0)).toBe(base.keyOf(0));
    // key order of the item does not matter
    const reordered = new PersistentDataset({
      data: [{ id: 0, image: data[0]!.image }],
      transform: pipeline(0.5),
      cacheDir: dir,
    });
    expect(reordered.keyOf(0)).toBe(base.keyOf(0));
    // hashTransform: false is MONAI's default behaviour: the stale entry is served
    const stale = new PersistentDataset({
      data,
      transform: pipeline(0.5),
      cacheDir: dir,
      hashTransform: false,
    });
    await stale.get(0);
    const staleOther = new PersistentDataset({
      data,
      transform: pipeline(0.25),
      cacheDir: dir,
      hashTransform: false,
    });
    expect(staleOther.keyOf(0)).toBe(stale.keyOf(0));
    expect(y.image.shape).toEqual([1, 36, 32, 24]);
  });

  it('detects corrupt, truncated and foreign entries by checksum and rebuilds them', async () => {
    const data = niftiItems(1);
    const ds = new PersistentDataset({ data, transform: pipeline(), cacheDir: dir });
    await ds.get(0);
    const path = ds.pathOf(0);
    const good = await readFile(path);
    const reasons: string[] = [];
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1] = (flipped[flipped.length >> 1] as number) ^ 0xff;
    for (const bad of [
      flipped,
      good.subarray(0, good.length - 100),
      Buffer.from('not a cache file at all, just text......................'),
    ]) {
      await writeFile(path, bad);
      const again = new PersistentDataset({
        data,
        transform: pipeline(),
        cacheDir: dir,
        onRebuild: (i) => reasons.push(i.reason),
      });
      const calls = Countd.calls;
      await again.get(0);
      expect(again.stats.rebuilt).toBe(1);
      expect(Countd.calls).toBe(calls + 1);
      expect(decodeCacheEntry(new Uint8Array(await readFile(path))).key).toBe(ds.keyOf(0));
    }
    expect(reasons[0]).toMatch(/checksum mismatch/);
    expect(reasons[1]).toMatch(/checksum mismatch/);
    expect(reasons[2]).toMatch(/bad magic/);
  });

  it('a full disk is an error that names the item, and leaves no partial entry (injected file layer)', async () => {
    const partial: CacheFileLayer = {
      ...nodeCacheFileLayer,
      async writeFile(p, chunks) {
        await nodeCacheFileLayer.writeFile(p, [chunks[0]!]); // some bytes reach the disk…
        const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
        e.code = 'ENOSPC';
        throw e; // …then it is full
      },
    };
    const ds = new PersistentDataset({
      data: niftiItems(2),
      transform: pipeline(),
      cacheDir: dir,
      fileLayer: partial,
    });
    const err = await ds.get(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(
      /item 1 \(.*cannot write the persistent cache entry of item 1 .*no space left on device.*the disk is full/,
    );
    expect(await entries(dir)).toEqual([]);
  });

  it('a full disk for real: writing to /dev/full fails cleanly', async () => {
    const devFull: CacheFileLayer = {
      ...nodeCacheFileLayer,
      writeFile: (_p, chunks) => nodeCacheFileLayer.writeFile('/dev/full', chunks),
    };
    const ds = new PersistentDataset({
      data: niftiItems(1),
      transform: pipeline(),
      cacheDir: dir,
      fileLayer: devFull,
    });
    await expect(ds.get(0)).rejects.toThrow(/ENOSPC.*the disk is full/);
    expect(await entries(dir)).toEqual([]);
    expect(ds.stats.writes).toBe(0);
  });

  it('feeds a DataLoader with worker threads: entries written on the first epoch, read afterwards, same batches', async () => {
    const data = niftiItems(5);
    const ds = new PersistentDataset({ data, transform: createPipeline(), cacheDir: dir });
    const nw2 = new DataLoader(ds, {
      batchSize: 2,
      seed: 5,
      numWorkers: 2,
      transformModule: PIPELINE_MODULE,
    });
    const nw0 = new DataLoader(new PersistentDataset({ data, transform: createPipeline(), cacheDir: dir }), {
      batchSize: 2,
      seed: 5,
    });
    const run = async (l: DataLoader): Promise<number[][]> => {
      const out: number[][] = [];
      for await (const b of l) {
        out.push(Array.from(await (b.image as tf.Tensor).data()));
        b.dispose();
      }
      return out;
    };
    try {
      const first = await run(nw2);
      expect(ds.stats.writes).toBe(5);
      expect((await entries(dir)).length).toBe(5);
      nw0.setEpoch(0);
      expect(await run(nw0)).toEqual(first);
      const second = await run(nw2);
      expect(ds.stats.hits).toBe(5);
      expect(second).not.toEqual(first); // new epoch, new augmentations, same cache
    } finally {
      await nw2.close();
    }
  });
});

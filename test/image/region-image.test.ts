import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { CacheDataset, LruCacheDataset, listDataCollate } from '../../datasets/index.js';
import { MetaImage, pendingRegion } from '../../src/image/meta-image.js';
import { RandomState } from '../../src/random/index.js';
import { cropArray } from '../../transforms/crop-pad/crop-array.js';
import { Compose, SpatialCrop, SpatialCropd, ToTensord } from '../../transforms/index.js';

/** A [C, 6, 5, 4] image of `Ctor` with distinct values. */
function image(
  channels: number,
  Ctor: Float32ArrayConstructor | Int16ArrayConstructor = Float32Array,
): MetaImage {
  const shape = [channels, 6, 5, 4];
  const data = new Ctor(shape.reduce((a, b) => a * b, 1)).map((_, i) => (i * 7) % 101);
  return new MetaImage({ data, shape });
}

const crop = (roiStart: number[], roiEnd: number[]) => new SpatialCrop({ roiStart, roiEnd });

describe('crops read their region on first access', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a crop is unread until `data` is read, and then holds exactly what an eager crop copies', async () => {
    const img = image(2);
    const out = (await crop([1, 0, 1], [5, 4, 3]).apply(img)) as MetaImage;
    expect(pendingRegion(out)).toBeDefined();
    expect(out.size).toBe(2 * 4 * 4 * 2);
    expect(out.byteLength).toBe(out.size * 4);
    expect(pendingRegion(out)).toBeDefined(); // size and byteLength do not read the region
    const eager = cropArray(img.data, img.shape, [0, 1, 0, 1], [2, 5, 4, 3]);
    expect(out.shape).toEqual(eager.shape);
    expect(out.data).toEqual(eager.data);
    expect(pendingRegion(out)).toBeUndefined();
    expect(out.data).toBe(out.data); // read once, then kept
    const empty = (await crop([2, 0, 1], [2, 4, 3]).apply(img)) as MetaImage;
    expect(empty.shape).toEqual([2, 0, 4, 2]);
    expect(empty.size).toBe(0);
    expect(empty.data).toHaveLength(0);
  });

  it('a crop of an unread crop reads straight from the first source', async () => {
    const img = image(1);
    const first = (await crop([1, 1, 0], [6, 5, 4]).apply(img)) as MetaImage;
    const second = (await crop([2, 0, 1], [4, 3, 3]).apply(first)) as MetaImage;
    expect(pendingRegion(first)).toBeDefined();
    expect(pendingRegion(second)?.src).toBe(img.data);
    const eager = cropArray(
      cropArray(img.data, img.shape, [0, 1, 1, 0], [1, 6, 5, 4]).data,
      [1, 5, 4, 4],
      [0, 2, 0, 1],
      [1, 4, 3, 3],
    );
    expect(second.data).toEqual(eager.data);
    expect(pendingRegion(first)).toBeDefined(); // reading the second crop leaves the first unread
  });

  it('shallowClone keeps the array (or the unread region); equality still compares the voxels', async () => {
    const img = image(1);
    expect(img.shallowClone().data).toBe(img.data);
    const out = (await crop([0, 0, 0], [3, 3, 3]).apply(img)) as MetaImage;
    const twin = out.shallowClone({ meta: { note: 1 } });
    expect(pendingRegion(twin)).toBe(pendingRegion(out));
    const other = new MetaImage({
      data: new Float32Array(twin.size),
      shape: twin.shape,
      affine: twin.affine,
    });
    other.meta = { note: 1 };
    other.appliedOperations = twin.appliedOperations;
    expect(twin).not.toEqual(other); // `data` is an own enumerable property, so toEqual reads it
    other.data = twin.data.slice();
    expect(twin).toEqual(other);
  });

  it('collate copies unread crops straight into the batch, as it copies read ones, in both layouts', async () => {
    const rng = new RandomState(1);
    for (const Ctor of [Float32Array, Int16Array] as const)
      for (const channels of [1, 3])
        for (const layout of ['channelsLast', 'channelsFirst'] as const) {
          const boxes = [0, 1].map(() => {
            const lo = [rng.randint(0, 3), rng.randint(0, 2), rng.randint(0, 2)];
            return [lo, [lo[0]! + 3, lo[1]! + 3, lo[2]! + 2]] as const;
          });
          const crops = () =>
            Promise.all(
              boxes.map(([lo, hi]) => crop([...lo], [...hi]).apply(image(channels, Ctor))),
            ) as Promise<MetaImage[]>;
          const lazy = await crops();
          const read = await crops();
          for (const m of read) void m.data;
          expect(lazy.every((m) => pendingRegion(m))).toBe(true);
          expect(read.some((m) => pendingRegion(m))).toBe(false);
          const before = tf.memory().numTensors;
          const a = listDataCollate<{ image: tf.Tensor }>(
            lazy.map((image) => ({ image })),
            { layout },
          );
          const b = listDataCollate<{ image: tf.Tensor }>(
            read.map((image) => ({ image })),
            { layout },
          );
          expect(lazy.every((m) => pendingRegion(m))).toBe(true); // collate read the regions directly
          expect(a.image.shape).toEqual(b.image.shape);
          expect(a.image.dtype).toBe(Ctor === Float32Array ? 'float32' : 'int32');
          expect(Array.from(a.image.dataSync())).toEqual(Array.from(b.image.dataSync()));
          a.dispose();
          b.dispose();
          expect(tf.memory().numTensors).toBe(before);
        }
  });

  it('caches keep a crop’s own bytes, not a reference into the volume it was cut from', async () => {
    const data = [0, 1].map(() => ({ image: image(1) }));
    const transform = new Compose([
      new SpatialCropd({ keys: ['image'], roiStart: [1, 1, 1], roiEnd: [4, 4, 3] }),
      new ToTensord({ keys: ['image'] }),
    ]);
    for (const sharedMemory of [false, true]) {
      const ds = await CacheDataset.create({
        data,
        transform,
        progress: false,
        copyCache: false,
        sharedMemory,
      });
      const item = (await ds.get(0)) as { image: MetaImage };
      expect(pendingRegion(item.image)).toBeUndefined();
      expect(item.image.data.buffer instanceof SharedArrayBuffer).toBe(sharedMemory);
      const src = data[0]!.image;
      expect(item.image.data).toEqual(cropArray(src.data, src.shape, [0, 1, 1, 1], [1, 4, 4, 3]).data);
    }
    const lru = new LruCacheDataset({
      data,
      transform,
      maxBytes: 1 << 20,
      copyCache: false,
      sharedMemory: false,
    });
    const item = (await lru.get(1)) as { image: MetaImage };
    expect(pendingRegion(item.image)).toBeUndefined();
  });
});

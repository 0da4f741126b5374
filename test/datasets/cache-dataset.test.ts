import { beforeEach, describe, expect, it } from 'vitest';
import { CacheDataset, DatasetBuildError } from '../../datasets/index.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { Compose, type ComposeStep } from '../../transforms/compose.js';
import { EnsureChannelFirstd } from '../../transforms/utility/ensure-channel-first.js';
import { LoadImaged } from '../../transforms/io/load-image.js';
import { RandSpatialCropd } from '../../transforms/crop-pad/rand-spatial-crop.js';
import { ScaleIntensityRanged } from '../../transforms/intensity/scale-intensity-range.js';
import { Lambdad } from '../../transforms/utility/lambda.js';
import { ToTensord } from '../../transforms/utility/to-tensor.js';
import { Countd, RandOffsetd, Scaled } from './support/rand-transforms.js';
import createPipeline from './support/pipeline-module.js';
import { niftiItems } from './support/data.js';

const PIPELINE_MODULE = new URL('./support/pipeline-module.ts', import.meta.url);

function counted(afterCut: 'random' | 'function' | 'none' = 'random'): Compose {
  const steps: ComposeStep[] = [
    new LoadImaged({ keys: ['image'] }),
    new EnsureChannelFirstd({ keys: ['image'] }),
    new Countd({ tag: 'before' }),
  ];
  if (afterCut === 'random') steps.push(new RandOffsetd({ keys: ['image'] }), new Countd({ tag: 'after' }));
  if (afterCut === 'function')
    steps.push((d: Record<string, unknown>) => ({ ...d }), new Countd({ tag: 'after' }));
  return new Compose(steps);
}

type Item = { image: MetaImage; id: number };

beforeEach(() => {
  Countd.calls = 0;
});

describe('CacheDataset', () => {
  it("caches up to MONAI's cut point: the first random transform", async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(4),
      transform: counted('random'),
      progress: false,
    });
    expect(ds.cacheCut).toBe(3);
    expect(Countd.calls).toBe(4); // the prefix ran once per item
    await ds.get(0);
    await ds.get(0);
    expect(Countd.calls).toBe(6); // only the Countd after the random step runs per access
  });

  it('also cuts at the first step that is not one of our transforms (a bare function)', async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(2),
      transform: counted('function'),
      progress: false,
    });
    expect(ds.cacheCut).toBe(3);
    expect(Countd.calls).toBe(2);
    await ds.get(1);
    expect(Countd.calls).toBe(3);
    const all = await CacheDataset.create({
      data: niftiItems(2),
      transform: counted('none'),
      progress: false,
    });
    expect(all.cacheCut).toBe(3); // no random step: everything cached
  });

  it('cuts a real MONAI-style pipeline where MONAI does: Lambdad is cached, RandSpatialCropd and bare functions are not', async () => {
    const keys = ['image'];
    const lambda = new Lambdad({ keys, func: (x: unknown) => x });
    const real = new Compose([
      new LoadImaged({ keys }),
      new EnsureChannelFirstd({ keys }),
      lambda,
      new ScaleIntensityRanged({ keys, aMin: -200, aMax: 200, bMin: 0, bMax: 1, clip: true }),
      new RandSpatialCropd({ keys, roiSize: [8, 8, 8] }),
      new ToTensord({ keys }),
    ]);
    const ds = await CacheDataset.create({ data: niftiItems(2), transform: real, progress: false });
    expect(ds.cacheCut).toBe(4);
    const x = (await ds.get(0)) as Item;
    expect(x.image.shape).toEqual([1, 8, 8, 8]);
    const bare = new Compose([
      new LoadImaged({ keys }),
      (d: Record<string, unknown>) => d,
      lambda,
      new ToTensord({ keys }),
    ]);
    expect(
      (await CacheDataset.create({ data: niftiItems(1), transform: bare, progress: false })).cacheCut,
    ).toBe(1);
  });

  it('caches only the first min(cacheNum, floor(n * cacheRate), n) items', async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(7),
      transform: counted(),
      cacheRate: 0.5,
      progress: false,
    });
    expect(ds.cacheNum).toBe(3);
    expect(ds.cachedCount).toBe(3);
    expect(Countd.calls).toBe(3);
    await ds.get(5); // not cached: the full pipeline runs
    expect(Countd.calls).toBe(5);
    const byNum = await CacheDataset.create({
      data: niftiItems(7),
      transform: counted(),
      cacheNum: 2,
      cacheRate: 0.9,
      progress: true,
    });
    expect(byNum.cacheNum).toBe(2);
    const none = await CacheDataset.create({
      data: niftiItems(3),
      transform: counted(),
      cacheRate: 0,
      progress: false,
    });
    expect(none.cacheNum).toBe(0);
    await expect(CacheDataset.create({ data: [], cacheRate: 2 })).rejects.toThrow(
      /cacheRate must be in \[0, 1\]/,
    );
  });

  it('copyCache protects the cache from in-place edits (and copyCache: false shares it)', async () => {
    const t = new Compose([
      new LoadImaged({ keys: ['image'] }),
      new EnsureChannelFirstd({ keys: ['image'] }),
    ]);
    const ds = await CacheDataset.create({ data: niftiItems(1), transform: t, progress: false });
    const a = (await ds.get(0)) as Item;
    const orig = a.image.data[0];
    a.image.data[0] = 12345;
    const b = (await ds.get(0)) as Item;
    expect(b.image.data[0]).toBe(orig);
    const shared = await CacheDataset.create({
      data: niftiItems(1),
      transform: t,
      progress: false,
      copyCache: false,
    });
    const c = (await shared.get(0)) as Item;
    c.image.data[0] = 12345;
    expect(((await shared.get(0)) as Item).image.data[0]).toBe(12345);
  });

  it('keeps cached image arrays in shared memory for worker threads', async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(1),
      transform: counted('none'),
      progress: false,
      copyCache: false,
    });
    const x = (await ds.get(0)) as Item;
    expect(x.image.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const plain = await CacheDataset.create({
      data: niftiItems(1),
      transform: counted('none'),
      progress: false,
      copyCache: false,
      sharedMemory: false,
    });
    expect(((await plain.get(0)) as Item).image.data.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('hashAsKey caches unique items once (4 items, 3 unique → 3 entries)', async () => {
    const files = niftiItems(3).map((d) => ({ image: d.image }));
    const data = [files[0]!, files[1]!, { image: files[0]!.image }, files[2]!];
    const ds = await CacheDataset.create({ data, transform: counted(), hashAsKey: true, progress: false });
    expect(ds.cachedCount).toBe(3);
    expect(Countd.calls).toBe(3);
    const x = (await ds.get(2)) as Item;
    expect(x.image.meta.filename_or_obj).toBe(files[0]!.image);
  });

  it('setData rebuilds the cache', async () => {
    const ds = await CacheDataset.create({ data: niftiItems(2), transform: counted(), progress: false });
    await ds.setData(niftiItems(5));
    expect(ds.length).toBe(5);
    expect(ds.cachedCount).toBe(5);
    expect(Countd.calls).toBe(7);
  });

  it('runtimeCache fills lazily on first access', async () => {
    const ds = await CacheDataset.create({
      data: niftiItems(3),
      transform: counted(),
      runtimeCache: true,
      progress: false,
    });
    expect(ds.cachedCount).toBe(0);
    await Promise.all([ds.get(1), ds.get(1)]);
    expect(ds.cachedCount).toBe(1);
    const before = Countd.calls;
    await ds.get(1);
    expect(Countd.calls).toBe(before + 1); // only the step after the cut
  });

  it('reports every failing item with its index and source, or skips them', async () => {
    const data = [
      ...niftiItems(2),
      { image: 'missing/a.nii.gz', id: 2 },
      { ...niftiItems(3)[2]!, id: 3 },
      { image: 'missing/b.nii', id: 4 },
    ];
    const err = await CacheDataset.create({ data, transform: counted(), progress: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetBuildError);
    const e = err as DatasetBuildError;
    expect(e.failures.map((f) => f.index)).toEqual([2, 4]);
    expect(e.failures[0]!.source).toBe('id=2, image=missing/a.nii.gz');
    expect(e.message).toMatch(/2 of 5 items failed while building the cache/);
    expect(e.message).toMatch(/item 4 \(id=4, image=missing\/b.nii\): .*does not exist/);
    expect(e.message).toMatch(/skipFailed: true/);

    const ds = await CacheDataset.create({ data, transform: counted(), progress: false, skipFailed: true });
    expect(ds.length).toBe(3);
    expect(ds.failures.map((f) => f.index)).toEqual([2, 4]);
    expect(((await ds.get(2)) as Item).id).toBe(3);
  });

  it('builds in worker threads from transformModule with the same result as on the main thread', async () => {
    const data = niftiItems(4);
    const main = await CacheDataset.create({
      data,
      transform: createPipeline(),
      progress: false,
      numWorkers: 2,
    });
    const workers = await CacheDataset.create({
      data,
      transform: createPipeline(),
      progress: false,
      numWorkers: 2,
      transformModule: PIPELINE_MODULE,
    });
    for (let i = 0; i < data.length; i++) {
      const a = (await main.fetchForLoader(i)).item as Item;
      const b = (await workers.fetchForLoader(i)).item as Item;
      expect(b.image.shape).toEqual(a.image.shape);
      expect(b.image.data).toEqual(a.image.data);
      expect(Array.from(b.image.affine)).toEqual(Array.from(a.image.affine));
      expect(b.image.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('refuses a transformModule whose pipeline differs from the dataset transform', async () => {
    await expect(
      CacheDataset.create({
        data: niftiItems(2),
        transform: new Compose([
          new LoadImaged({ keys: ['image'] }),
          new Scaled({ keys: ['image'], factor: 2 }),
        ]),
        transformModule: PIPELINE_MODULE,
        numWorkers: 2,
        progress: false,
      }),
    ).rejects.toThrow(/differs from the dataset's transform \(first difference at step 1/);
  });
});

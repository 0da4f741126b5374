import { describe, expect, it } from 'vitest';
import { Dataset, ItemError } from '../../datasets/index.js';
import { DatasetError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { Compose } from '../../transforms/compose.js';
import createPipeline from './support/pipeline-module.js';
import { niftiItems } from './support/data.js';

describe('Dataset', () => {
  it('applies the pipeline on each access to real NIfTI files', async () => {
    const ds = new Dataset({ data: niftiItems(3), transform: createPipeline() });
    expect(ds.length).toBe(3);
    const item = (await ds.get(1)) as { image: MetaImage; id: number };
    expect(MetaImage.isMetaImage(item.image)).toBe(true);
    expect(item.image.shape).toEqual([1, 8, 8, 8]);
    expect(item.id).toBe(1);
    const last = (await ds.get(-1)) as { id: number };
    expect(last.id).toBe(2);
    expect(ds.cacheCut).toBe(3);
  });

  it('wraps a list of steps or a function in a Compose, and passes items through without a transform', async () => {
    const ds = new Dataset({ data: [1, 2, 3], transform: [(x: number) => x * 10] });
    expect(ds.transform).toBeInstanceOf(Compose);
    expect(await ds.get(2)).toBe(30);
    expect(await new Dataset({ data: ['a'] }).get(0)).toBe('a');
  });

  it('gives subsets and slices as views', async () => {
    const ds = new Dataset({ data: [0, 1, 2, 3, 4, 5], transform: (x: number) => x + 100 });
    const sub = ds.subset([5, 0, -2]);
    expect(sub.length).toBe(3);
    expect(await sub.get(0)).toBe(105);
    expect(await sub.get(2)).toBe(104);
    const sl = ds.slice(1, -1);
    expect(sl.data).toEqual([1, 2, 3, 4]);
    expect(await sl.get(-1)).toBe(104);
    expect(ds.slice(-2).data).toEqual([4, 5]);
  });

  it('rejects bad indices and bad options with DatasetErrors', async () => {
    const ds = new Dataset({ data: [1, 2] });
    await expect(ds.get(2)).rejects.toBeInstanceOf(DatasetError);
    await expect(ds.get(-3)).rejects.toThrow(/index -3 is out of range for a dataset of 2 items/);
    await expect(ds.get(0.5)).rejects.toThrow(/out of range/);
    expect(() => new Dataset({} as never)).toThrow(/needs options.data/);
  });

  it('names the item index and its source file when a transform fails', async () => {
    const ds = new Dataset({
      data: [{ image: 'test/golden/inputs/does-not-exist.nii.gz', subject_id: 'S01' }],
      transform: createPipeline(),
    });
    const err = await ds.get(0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ItemError);
    const e = err as ItemError;
    expect(e.index).toBe(0);
    expect(e.source).toBe('subject_id=S01, image=test/golden/inputs/does-not-exist.nii.gz');
    expect(e.message).toMatch(/^item 0 \(subject_id=S01, image=.*does-not-exist.nii.gz\): .*does not exist/);
  });
});

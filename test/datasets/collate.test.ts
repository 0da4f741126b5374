import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  DataLoader,
  Dataset,
  PadListDataCollate,
  decollateBatch,
  type CollatedBatch,
  type CollatedMeta,
  listDataCollate,
  padListDataCollate,
  partitionDataset,
} from '../../datasets/index.js';
import { DatasetError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { LoadImage } from '../../transforms/io/load-image.js';
import createPipeline from './support/pipeline-module.js';
import { NIFTI_FILES, niftiItems } from './support/data.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function ramp(shape: number[], dtype: 'float32' | 'int16' = 'float32', offset = 0): MetaImage {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float32' ? new Float32Array(n) : new Int16Array(n);
  for (let i = 0; i < n; i++) data[i] = i + offset;
  return new MetaImage({
    data,
    shape,
    meta: { filename_or_obj: `f${offset}.nii`, spatial_shape: shape.slice(1) },
  });
}

/** Batches read as loosely as the test needs. */
type Loose = Record<string, any>;

describe('listDataCollate', () => {
  it('stacks images, numbers, arrays and lists, with a meta dict per image key', () => {
    const before = tf.memory().numTensors;
    const items = [
      {
        image: ramp([2, 3, 4]),
        label: 1,
        w: 0.5,
        flag: true,
        name: 'a',
        v: new Float32Array([1, 2]),
        extra: { site: 'x' },
      },
      {
        image: ramp([2, 3, 4], 'float32', 100),
        label: 0,
        w: 2,
        flag: false,
        name: 'b',
        v: new Float32Array([3, 4]),
        extra: { site: 'y' },
      },
    ];
    const b = listDataCollate<Loose>(items);
    expect(b.image.shape).toEqual([2, 3, 4, 2]);
    expect(b.image.arraySync()[1][2][3]).toEqual([111, 123]); // item 1, x=2, y=3, channels 0 and 1
    expect(b.label.dtype).toBe('int32');
    expect(b.w.dtype).toBe('float32');
    expect(b.flag.dtype).toBe('bool');
    expect(b.name).toEqual(['a', 'b']);
    expect(b.v.shape).toEqual([2, 2]);
    expect(b.extra).toEqual({ site: ['x', 'y'] });
    expect(b.image_meta_dict.filename_or_obj).toEqual(['f0.nii', 'f100.nii']);
    expect(b.image_meta_dict.spatial_shape).toEqual([
      [3, 4],
      [3, 4],
    ]);
    expect(Object.keys(b)).not.toContain('dispose');
    expect(tf.memory().numTensors).toBe(before + 5);
    b.dispose(); // one call frees the batch
    expect(tf.memory().numTensors).toBe(before);
    const cf = listDataCollate<Loose>(items, { layout: 'channelsFirst' });
    expect(cf.image.shape).toEqual([2, 2, 3, 4]);
    tf.dispose(cf);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('types each key of a batch from the items (image rank from the spatial axes), as it collates', async () => {
    const before = tf.memory().numTensors;
    type Item = {
      image: MetaImage;
      id: number;
      flag: boolean;
      v: Float32Array;
      t: tf.Tensor1D;
      name: string;
      extra: { site: string };
    };
    const item = (k: number): Item => ({
      image: ramp([1, 3, 4], 'float32', k),
      id: k,
      flag: k > 0,
      v: new Float32Array([k, k]),
      t: tf.tensor1d([k, k, k]),
      name: `n${k}`,
      extra: { site: `s${k}` },
    });
    const b = listDataCollate<CollatedBatch<Item, 2>>([item(0), item(1)]);
    expectTypeOf(b.image).toEqualTypeOf<tf.Tensor4D>();
    expectTypeOf(b.id).toEqualTypeOf<tf.Tensor1D>();
    expectTypeOf(b.flag).toEqualTypeOf<tf.Tensor1D>();
    expectTypeOf(b.v).toEqualTypeOf<tf.Tensor2D>();
    expectTypeOf(b.t).toEqualTypeOf<tf.Tensor2D>();
    expectTypeOf(b.name).toEqualTypeOf<string[]>();
    expectTypeOf(b.extra).toEqualTypeOf<{ site: string[] }>();
    expectTypeOf(b.image_meta_dict).toEqualTypeOf<CollatedMeta>();
    // the types say what the collate makes
    expect([b.image.rank, b.id.rank, b.flag.rank, b.v.rank, b.t.rank]).toEqual([4, 1, 1, 2, 2]);
    expect(b.image.shape).toEqual([2, 3, 4, 1]);
    expect([b.name, b.extra, b.image_meta_dict.filename_or_obj]).toEqual([
      ['n0', 'n1'],
      { site: ['s0', 's1'] },
      ['f0.nii', 'f1.nii'],
    ]);
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);

    // a loader typed from its pipeline's items: 3 spatial axes give a tf.Tensor5D in either layout
    const ds = new Dataset({ data: niftiItems(2), transform: createPipeline({ roi: [4, 4, 4] }) });
    for (const layout of ['channelsLast', 'channelsFirst'] as const)
      for await (const batch of new DataLoader<CollatedBatch<{ image: MetaImage }, 3>>(ds, {
        batchSize: 2,
        seed: 0,
        layout,
      })) {
        expectTypeOf(batch.image).toEqualTypeOf<tf.Tensor5D>();
        expect(batch.image.shape).toEqual(layout === 'channelsLast' ? [2, 4, 4, 4, 1] : [2, 1, 4, 4, 4]);
        batch.dispose();
      }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('promotes mixed dtypes and maps int16 to int32', () => {
    const i16 = listDataCollate<Loose>([{ x: ramp([1, 2], 'int16') }, { x: ramp([1, 2], 'int16') }]);
    expect(i16.x.dtype).toBe('int32');
    const mixed = listDataCollate<Loose>([{ x: ramp([1, 2], 'int16') }, { x: ramp([1, 2]) }]);
    expect(mixed.x.dtype).toBe('float32');
    tf.dispose([i16, mixed]);
  });

  it('explains shape mismatches and missing keys, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    expect(() =>
      listDataCollate<Loose>([
        { n: 1, x: ramp([1, 2, 2]) },
        { n: 2, x: ramp([1, 3, 2]) },
      ]),
    ).toThrow(/images for key 'x' have different shapes \(\[1, 2, 2\], \[1, 3, 2\]\).*padListDataCollate/);
    expect(() => listDataCollate<Loose>([{ a: 1, b: 2 }, { a: 1 }])).toThrow(/batch item 1 has no key 'b'/);
    expect(() => listDataCollate<Loose>([])).toThrow(DatasetError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('padListDataCollate', () => {
  it('pads to the largest image, records the padding, and PadListDataCollate.inverse undoes it', async () => {
    const a = ramp([1, 2, 3]);
    a.affine[3] = 10;
    const items = [{ x: a }, { x: ramp([1, 4, 2], 'float32', 50) }];
    const b = padListDataCollate<Loose>(items, { layout: 'channelsFirst' });
    expect(b.x.shape).toEqual([2, 1, 4, 3]);
    expect(b.x.arraySync()[0][0]).toEqual([
      [0, 0, 0],
      [0, 1, 2],
      [3, 4, 5],
      [0, 0, 0],
    ]);
    const ops = b.x_meta_dict.applied_operations as { class: string; orig_size: number[] }[][];
    expect(ops[0]!.at(-1)!.class).toBe('PadListDataCollate');
    expect(ops[1]!.at(-1)!.orig_size).toEqual([4, 2]);
    const back = await decollateBatch(b);
    b.dispose();
    const x0 = (back[0] as { x: MetaImage }).x;
    expect(x0.affine[3]).toBe(9); // shifted by one voxel before
    const inv = PadListDataCollate.inverse(back[0] as Record<string, unknown>);
    const r = inv.x as MetaImage;
    expect(r.shape).toEqual([1, 2, 3]);
    expect(Array.from(r.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.affine[3]).toBe(10);
    expect(r.appliedOperations).toEqual([]);
  });

  it('pads with other modes and the end method', () => {
    const one = new MetaImage({ data: new Float32Array([1, 2, 3]), shape: [1, 3] });
    const two = new MetaImage({ data: new Float32Array([7, 8, 9, 10, 11, 12]), shape: [1, 6] });
    const edge = padListDataCollate<Loose>([{ x: one }, { x: two }], {
      mode: 'edge',
      layout: 'channelsFirst',
    });
    expect(edge.x.arraySync()[0][0]).toEqual([1, 1, 2, 3, 3, 3]);
    const end = padListDataCollate<Loose>([{ x: one }, { x: two }], {
      method: 'end',
      mode: 'reflect',
      layout: 'channelsFirst',
    });
    expect(end.x.arraySync()[0][0]).toEqual([1, 2, 3, 2, 1, 2]);
    tf.dispose([edge, end]);
    expect(() => padListDataCollate<Loose>([{ x: one }, { x: two }], { mode: 'mirror' as never })).toThrow(
      /mirror/,
    );
  });

  it('lets a DataLoader batch real volumes of different sizes', async () => {
    const ds = new Dataset({
      data: NIFTI_FILES.slice(0, 3).map((image) => ({ image })),
      transform: createPipeline({ roi: [1, 1, 1] }).transforms.slice(0, 2),
    });
    const loader = new DataLoader<{ image: tf.Tensor5D }>(ds, {
      batchSize: 3,
      collate: padListDataCollate,
      seed: 0,
    });
    for await (const batch of loader) {
      expect(batch.image.shape).toEqual([3, 36, 32, 24, 1]);
      const items = await decollateBatch(batch);
      batch.dispose();
      const orig = await new LoadImage({ ensureChannelFirst: true }).apply(NIFTI_FILES[2]!);
      const restored = PadListDataCollate.inverse(items[2] as Record<string, unknown>).image as MetaImage;
      expect(restored.shape).toEqual(orig.shape);
      expect(restored.data).toEqual(orig.data);
      expect(Array.from(restored.affine)).toEqual(Array.from(orig.affine));
    }
  });
});

describe('decollateBatch', () => {
  it('gives back per-item MetaImages with meta, numbers and list entries', async () => {
    const ds = new Dataset({ data: niftiItems(2), transform: createPipeline() });
    const direct = await Promise.all([ds.get(0), ds.get(1)]);
    for (const layout of ['channelsLast', 'channelsFirst'] as const) {
      const batch = listDataCollate<Loose>(direct, { layout });
      const items = (await decollateBatch(batch)) as { image: MetaImage; id: number }[];
      batch.dispose();
      expect(items).toHaveLength(2);
      items.forEach((it, b) => {
        const src = (direct[b] as { image: MetaImage; id: number }).image;
        expect(it.id).toBe(b);
        expect(it.image.shape).toEqual(src.shape);
        expect(it.image.data).toEqual(src.data);
        expect(Array.from(it.image.affine)).toEqual(Array.from(src.affine));
        expect(it.image.meta.filename_or_obj).toBe(src.meta.filename_or_obj);
        expect(it.image.appliedOperations).toEqual(src.appliedOperations);
        expect(Object.keys(it)).toEqual(['image', 'id']);
      });
    }
    // a prediction tensor without meta becomes a MetaImage too; a 2-D tensor typed arrays
    const pred = tf.zeros([2, 3, 3, 2]);
    const logits = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const items = (await decollateBatch({ pred, logits, names: ['a'] }, { fillValue: 'none' })) as Record<
      string,
      unknown
    >[];
    expect((items[1]!.pred as MetaImage).shape).toEqual([2, 3, 3]);
    expect(Array.from(items[1]!.logits as Float32Array)).toEqual([3, 4]);
    expect(items[1]!.names).toBe('none');
    await expect(decollateBatch({ pred, names: ['a'] }, { pad: false })).rejects.toThrow(
      /'names' has 1 entries for a batch of 2/,
    );
    tf.dispose([pred, logits]);
  });
});

describe('partitionDataset', () => {
  const d = [1, 2, 3, 4, 5];
  it("matches MONAI's documented examples", () => {
    expect(partitionDataset(d, { ratios: [0.6, 0.2, 0.2] })).toEqual([[1, 2, 3], [4], [5]]);
    expect(partitionDataset(d, { numPartitions: 2 })).toEqual([
      [1, 3, 5],
      [2, 4],
    ]);
    expect(partitionDataset(d, { numPartitions: 2, evenDivisible: true, dropLast: true })).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(partitionDataset(d, { numPartitions: 2, evenDivisible: true })).toEqual([
      [1, 3, 5],
      [2, 4, 1],
    ]);
  });

  it('shuffles with numpy RandomState(seed) like MONAI (values from numpy 1.24)', () => {
    const ten = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(partitionDataset(ten, { numPartitions: 3, shuffle: true, seed: 0 })).toEqual([
      [3, 10, 8, 6],
      [9, 2, 4],
      [5, 7, 1],
    ]);
    expect(
      partitionDataset(ten, { numPartitions: 3, shuffle: true, seed: 123, evenDivisible: true }),
    ).toEqual([
      [5, 6, 2, 3],
      [1, 9, 7, 5],
      [8, 4, 10, 1],
    ]);
    expect(
      partitionDataset(ten, {
        numPartitions: 3,
        shuffle: true,
        seed: 5,
        evenDivisible: true,
        dropLast: true,
      }),
    ).toEqual([
      [10, 5, 1],
      [6, 8, 9],
      [3, 2, 7],
    ]);
    expect(partitionDataset(ten, { ratios: [7, 2, 1], shuffle: true, seed: 42 })).toEqual([
      [9, 2, 6, 1, 8, 3, 10],
      [5, 4],
      [7],
    ]);
  });

  it('rejects impossible requests as MONAI does', () => {
    expect(() => partitionDataset(d, { numPartitions: 2, dropLast: true })).toThrow(/evenDivisible/);
    expect(() => partitionDataset(d, { numPartitions: 6 })).toThrow(/not enough items/);
    expect(() => partitionDataset(d, {})).toThrow(/ratios or numPartitions/);
  });
});

/**
 * Per-key options of the dictionary transforms (MONAI `ensure_tuple_rep(option, len(self.keys))`):
 * for every option MONAI's dictionary twin takes per key, a two-key transform given `[v0, v1]`
 * gives key 0 exactly what a one-key transform with `v0` gives and key 1 what `v1` gives, the two
 * values really give different outputs, and a list of the wrong length is a TransformError at
 * construction naming the option and the keys.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TransformError } from '../../src/errors.js';
import { affineFromRows, identityAffine } from '../../src/image/affine.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { perKey } from '../../transforms/map-transform.js';
import * as T from '../../transforms/index.js';
import type { DataItem } from '../../transforms/transform.js';

type Ctor = new (options: never) => { apply(d: DataItem): Promise<unknown> };
const CLASSES = T as unknown as Record<string, Ctor>;

/** A [1, 6, 5] image with distinct values and a non-trivial affine. */
function image2d(): MetaImage {
  const data = new Float32Array(30);
  for (let i = 0; i < 30; i++) data[i] = ((i * 7) % 11) + i / 8;
  const affine = affineFromRows([
    [1.5, 0, 0, 2],
    [0, 0.8, 0, -1],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ]);
  return new MetaImage({ data, shape: [1, 6, 5], affine, meta: { spatial_shape: [6, 5] } });
}

/** A [2, 4, 3] image of logits-like values (for the post transforms). */
function logits(): MetaImage {
  const data = new Float32Array(24);
  for (let i = 0; i < 24; i++) data[i] = Math.sin(i * 1.7) * 3;
  return new MetaImage({ data, shape: [2, 4, 3], affine: identityAffine(), meta: { spatial_shape: [4, 3] } });
}

/** A [1, 7, 6, 5] volume with distinct values. */
function volume(): MetaImage {
  const data = new Float32Array(210);
  for (let i = 0; i < 210; i++) data[i] = ((i * 13) % 17) + i / 20;
  return new MetaImage({
    data,
    shape: [1, 7, 6, 5],
    affine: identityAffine(),
    meta: { spatial_shape: [7, 6, 5] },
  });
}

interface Case {
  /** Exported dictionary transform. */
  cls: string;
  option: string;
  /** Two values that give different outputs. */
  values: [unknown, unknown];
  /** The other options. */
  base?: Record<string, unknown>;
  image?: () => MetaImage;
  /** Extra entries of the data item (e.g. a destination affine). */
  extra?: (keys: string[]) => DataItem;
  /** Random transforms: seed of `setRandomState`. */
  seed?: number;
}

const MODE: [unknown, unknown] = ['bilinear', 'nearest'];
const PAD: [unknown, unknown] = ['zeros', 'border'];
const ALIGN: [unknown, unknown] = [false, true];
const DTYPE: [unknown, unknown] = ['float32', 'float64'];

/** One row per option of `values`, sharing the rest. */
function rows(
  cls: string,
  values: Record<string, [unknown, unknown]>,
  rest: Omit<Case, 'cls' | 'option' | 'values'> = {},
): Case[] {
  return Object.entries(values).map(([option, v]) => ({ cls, option, values: v, ...rest }));
}

const DST_AFFINE = affineFromRows([
  [1.1, 0.2, 0, 1],
  [-0.1, 0.7, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
]);
const REF_AFFINE = affineFromRows([
  [1.1, 0, 0, -1],
  [0, 0.9, 0, -2.6],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
]);
const ZOOM_IN = { minZoom: 1.3, maxZoom: 1.5 };

const SPATIAL: Case[] = [
  ...rows('Spacingd', { mode: MODE, alignCorners: ALIGN, dtype: DTYPE }, { base: { pixdim: [0.7, 0.45] } }),
  ...rows('Spacingd', { scaleExtent: ALIGN }, { base: { pixdim: [0.7, 0.45], ensureSameShape: false } }),
  ...rows('Spacingd', { paddingMode: PAD }, { base: { pixdim: [0.7, 0.45], scaleExtent: true } }),
  ...rows(
    'Rotated',
    { mode: MODE, paddingMode: PAD, alignCorners: ALIGN, dtype: DTYPE },
    { base: { angle: 0.4 } },
  ),
  ...rows('Zoomd', { mode: MODE }, { base: { zoom: 1.4 } }),
  ...rows('Zoomd', { paddingMode: ['constant', 'edge'] }, { base: { zoom: 0.6 } }),
  ...rows('Zoomd', { alignCorners: ALIGN }, { base: { zoom: 1.4, mode: 'bilinear' } }),
  ...rows('Resized', { mode: ['area', 'nearest'] }, { base: { spatialSize: [4, 3] } }),
  ...rows('Resized', { antiAliasing: ALIGN }, { base: { spatialSize: [3, 2], mode: 'bilinear' } }),
  ...rows(
    'Resized',
    { antiAliasingSigma: [0.5, 2] },
    { base: { spatialSize: [3, 2], mode: 'bilinear', antiAliasing: true } },
  ),
  ...rows(
    'Resized',
    { alignCorners: ALIGN, dtype: DTYPE },
    { base: { spatialSize: [9, 7], mode: 'bilinear' } },
  ),
  ...rows('Affined', { mode: MODE, paddingMode: PAD }, { base: { rotateParams: 0.4 } }),
  ...rows('RandAffined', { mode: MODE, paddingMode: PAD }, { base: { prob: 1, rotateRange: 0.6 }, seed: 3 }),
  ...rows(
    'Rand2DElasticd',
    { mode: MODE, paddingMode: PAD },
    { base: { prob: 1, spacing: [2, 2], magnitudeRange: [3, 4] }, seed: 4 },
  ),
  ...rows(
    'Rand3DElasticd',
    { mode: MODE },
    { base: { prob: 1, sigmaRange: [1, 2], magnitudeRange: [2, 3] }, image: volume, seed: 9 },
  ),
  ...rows(
    'RandRotated',
    { mode: MODE, paddingMode: PAD, alignCorners: ALIGN },
    { base: { prob: 1, rangeX: 0.6 }, seed: 5 },
  ),
  ...rows('RandZoomd', { mode: MODE }, { base: { prob: 1, ...ZOOM_IN }, seed: 6 }),
  ...rows('RandZoomd', { alignCorners: ALIGN }, { base: { prob: 1, ...ZOOM_IN, mode: 'bilinear' }, seed: 6 }),
  ...rows(
    'RandZoomd',
    { paddingMode: ['constant', 'edge'] },
    { base: { prob: 1, minZoom: 0.5, maxZoom: 0.7 }, seed: 6 },
  ),
  ...rows(
    'RandGridDistortiond',
    { mode: MODE, paddingMode: PAD },
    { base: { prob: 1, distortLimit: 0.4 }, seed: 7 },
  ),
  ...rows(
    'SpatialResampled',
    { mode: MODE, paddingMode: PAD, alignCorners: ALIGN, dtype: DTYPE },
    { extra: () => ({ dst_affine: DST_AFFINE }) },
  ),
  ...rows(
    'ResampleToMatchd',
    { mode: MODE, paddingMode: PAD },
    {
      base: { keyDst: 'ref' },
      extra: () => ({
        ref: new MetaImage({ data: new Float32Array(20), shape: [1, 5, 4], affine: REF_AFFINE, meta: {} }),
      }),
    },
  ),
];

const CROP_PAD: Case[] = [
  { cls: 'SpatialPadd', option: 'mode', values: ['constant', 'edge'], base: { spatialSize: [8, 9] } },
  { cls: 'BorderPadd', option: 'mode', values: ['constant', 'reflect'], base: { spatialBorder: 2 } },
  { cls: 'DivisiblePadd', option: 'mode', values: ['constant', 'edge'], base: { k: 4 } },
  {
    cls: 'ResizeWithPadOrCropd',
    option: 'mode',
    values: ['constant', 'edge'],
    base: { spatialSize: [8, 3] },
  },
  {
    cls: 'CropForegroundd',
    option: 'mode',
    values: ['constant', 'edge'],
    base: { sourceKey: 'src', margin: 2, allowSmaller: false },
    extra: () => {
      const data = new Float32Array(30);
      data[1 * 5 + 1] = 1;
      return { src: new MetaImage({ data, shape: [1, 6, 5], affine: identityAffine(), meta: {} }) };
    },
  },
];

const UTILITY_POST_INTENSITY: Case[] = [
  { cls: 'CastToTyped', option: 'dtype', values: ['float32', 'int16'] },
  {
    cls: 'Lambdad',
    option: 'func',
    values: [(x: MetaImage) => x.clone({ data: x.data.map((v) => v * 2) }), (x: MetaImage) => x],
  },
  {
    cls: 'Lambdad',
    option: 'overwrite',
    values: [true, false],
    base: { func: (x: MetaImage) => x.clone({ data: x.data.map((v) => -v) }) },
  },
  {
    cls: 'Activationsd',
    option: 'other',
    values: [null, (x: Float32Array) => x.map((v) => v * v)],
    image: logits,
  },
  { cls: 'AsDiscreted', option: 'toOnehot', values: [null, 3], base: { argmax: true }, image: logits },
  { cls: 'Activationsd', option: 'sigmoid', values: [false, true], image: logits },
  { cls: 'Activationsd', option: 'softmax', values: [false, true], image: logits },
  { cls: 'AsDiscreted', option: 'argmax', values: [false, true], image: logits },
  { cls: 'AsDiscreted', option: 'threshold', values: [null, 0.5], image: logits },
  { cls: 'AsDiscreted', option: 'rounding', values: [null, 'torchrounding'], image: logits },
  {
    cls: 'ShiftIntensityd',
    option: 'factorKey',
    values: [null, 'scale'],
    base: { offset: 10 },
    extra: (keys) => Object.fromEntries(keys.map((k) => [`${k}_meta_dict`, { scale: 3 }])),
  },
  {
    cls: 'RandShiftIntensityd',
    option: 'metaKeyPostfix',
    values: ['meta_dict', 'other'],
    base: { offsets: [1, 2], prob: 1, factorKey: 'scale' },
    extra: (keys) =>
      Object.fromEntries(
        keys.flatMap((k) => [
          [`${k}_meta_dict`, { scale: 3 }],
          [`${k}_other`, { scale: -2 }],
        ]),
      ),
    seed: 8,
  },
];

async function run(c: Case, keys: string[], value: unknown): Promise<DataItem> {
  const Cls = CLASSES[c.cls];
  if (!Cls) throw new Error(`${c.cls} is not exported`);
  const t = new Cls({ ...c.base, keys, [c.option]: value } as never) as unknown as {
    apply(d: DataItem): Promise<DataItem>;
    setRandomState?: (seed: number) => void;
  };
  if (c.seed !== undefined) t.setRandomState!(c.seed);
  const make = c.image ?? image2d;
  const item: DataItem = { ...c.extra?.(keys) };
  for (const k of keys) item[k] = make();
  return t.apply(item);
}

function asPlain(img: unknown): { shape: number[]; dtype: string; data: number[]; affine: number[] } {
  const m = img as MetaImage;
  return {
    shape: [...m.shape],
    dtype: m.dtype,
    data: Array.from(m.data, Number),
    affine: Array.from(m.affine),
  };
}

describe.each([
  ['spatial', SPATIAL],
  ['crop-pad', CROP_PAD],
  ['utility, post and intensity', UTILITY_POST_INTENSITY],
])('per-key options: %s', (_, cases) => {
  it.each(cases.map((c) => [`${c.cls} ${c.option}`, c] as const))(
    '%s: each key gets its own value',
    async (_name, c) => {
      const before = tf.memory().numTensors;
      const [v0, v1] = c.values;
      const one0 = asPlain((await run(c, ['a'], v0))['a']);
      const one1 = asPlain((await run(c, ['a'], v1))['a']);
      expect(one1, 'the two values must give different outputs').not.toEqual(one0);
      const both = await run(c, ['a', 'b'], [v0, v1]);
      expect(asPlain(both['a'])).toEqual(one0);
      expect(asPlain(both['b'])).toEqual(one1);
      // A single value still applies to every key.
      const same = await run(c, ['a', 'b'], v1);
      expect(asPlain(same['a'])).toEqual(one1);
      expect(asPlain(same['b'])).toEqual(one1);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it.each(cases.map((c) => [`${c.cls} ${c.option}`, c] as const))(
    '%s: a list of the wrong length is refused at construction',
    (_name, c) => {
      const Cls = CLASSES[c.cls]!;
      const make = () =>
        new Cls({
          ...c.base,
          keys: ['a', 'b'],
          [c.option]: [c.values[0], c.values[1], c.values[0]],
        } as never);
      expect(make).toThrow(TransformError);
      expect(make).toThrow(new RegExp(`${c.option} has 3 values for 2 keys \\(a, b\\)`));
    },
  );
});

describe('perKey', () => {
  it('repeats one value (or a one-element list) and keeps one per key', () => {
    expect(perKey('nearest', ['a', 'b'], 'X', 'mode')).toEqual(['nearest', 'nearest']);
    expect(perKey(['nearest'], ['a', 'b'], 'X', 'mode')).toEqual(['nearest', 'nearest']);
    expect(perKey([true, false], ['a', 'b'], 'X', 'flag')).toEqual([true, false]);
    expect(() => perKey([1, 2, 3], ['a', 'b'], 'X', 'n')).toThrow(
      /X.*n has 3 values for 2 keys \(a, b\): give one value for all keys, or one per key/,
    );
  });
});

describe('Invertd per-key options', () => {
  it('nearestInterp and postFunc per key, a single origKey for all keys', async () => {
    const pre = new T.Spacingd({ keys: 'image', pixdim: [0.7, 0.45] });
    const out = (await pre.apply({ image: image2d() })) as DataItem;
    const pred = out['image'] as MetaImage;
    const item = { ...out, p0: pred.clone({}), p1: pred.clone({}) };
    const tag = (img: MetaImage) => img.clone({ meta: { ...img.meta, tagged: true } });
    const inv = new T.Invertd({
      keys: ['p0', 'p1'],
      transform: pre,
      origKeys: 'image',
      nearestInterp: [false, true],
      postFunc: [null, tag],
    });
    const res = (await inv.apply(item)) as DataItem;
    const p0 = res['p0'] as MetaImage;
    const p1 = res['p1'] as MetaImage;
    expect(p0.shape).toEqual([1, 6, 5]);
    expect(p1.shape).toEqual([1, 6, 5]);
    expect(Array.from(p0.data)).not.toEqual(Array.from(p1.data));
    expect(p0.meta['tagged']).toBeUndefined();
    expect(p1.meta['tagged']).toBe(true);
    const one = new T.Invertd({ keys: 'p1', transform: pre, origKeys: 'image', nearestInterp: true });
    expect(Array.from((((await one.apply(item)) as DataItem)['p1'] as MetaImage).data)).toEqual(
      Array.from(p1.data),
    );
    expect(
      () => new T.Invertd({ keys: ['p0', 'p1'], transform: pre, nearestInterp: [true, false, true] }),
    ).toThrow(/nearestInterp has 3 values for 2 keys/);
    expect(() => new T.Invertd({ keys: ['p0', 'p1'], transform: pre, origKeys: ['a', 'b', 'c'] })).toThrow(
      /origKeys has 3 values for 2 keys/,
    );
  });
});

describe('Invertd meta dicts', () => {
  it("writes each key's inverted meta dict where the orig key has one (MONAI meta_keys / orig_meta_keys)", async () => {
    const pre = new T.Spacingd({ keys: 'image', pixdim: [0.7, 0.45] });
    const src = image2d();
    const out = (await pre.apply({ image: src, image_meta_dict: { ...src.meta } })) as DataItem;
    const pred = out['image'] as MetaImage;
    const item: DataItem = { ...out, p0: pred.clone({}), p1: pred.clone({}) };
    const inv = new T.Invertd({
      keys: ['p0', 'p1'],
      transform: pre,
      origKeys: 'image',
      metaKeys: [null, 'm1'],
    });
    const res = (await inv.apply(item)) as DataItem;
    for (const k of ['p0_meta_dict', 'm1']) {
      const meta = res[k] as Record<string, unknown>;
      const affine = Array.from(meta['affine'] as Float64Array);
      affine.forEach((v, j) => expect(v).toBeCloseTo(src.affine[j] as number, 9));
    }
    expect(res['p1_meta_dict']).toBeUndefined();
    // without the orig key's meta dict nothing is written
    const { image_meta_dict: _, ...bare } = item;
    const res2 = (await inv.apply(bare)) as DataItem;
    expect(Object.keys(res2).filter((k) => k.includes('meta') || k === 'm1')).toEqual([]);
    // origMetaKeys names where to look
    const inv2 = new T.Invertd({ keys: 'p0', transform: pre, origKeys: 'image', origMetaKeys: 'elsewhere' });
    expect((await inv2.apply({ ...bare, elsewhere: {} }))['p0_meta_dict']).toBeDefined();
    expect(() => new T.Invertd({ keys: 'p0', transform: pre, device: 'cuda:0' as never })).toThrow(/device/);
  });
});

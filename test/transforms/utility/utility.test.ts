import { TransformOptionError } from '../../../src/errors.js';
import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { affineFromRows, affineToRows } from '../../../src/image/affine.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import * as T from '../../../transforms/index.js';
import {
  AsChannelLast,
  AsChannelLastd,
  CastToType,
  CastToTyped,
  ConcatItemsd,
  CopyItemsd,
  DeleteItemsd,
  EnsureType,
  EnsureTyped,
  FgBgToIndices,
  FgBgToIndicesd,
  Identity,
  Identityd,
  Lambda,
  Lambdad,
  SelectItemsd,
  SqueezeDim,
  SqueezeDimd,
  ToTensor,
  ToTensord,
} from '../../../transforms/utility/index.js';
import { ensureType } from '../../../transforms/utility/ensure-type.js';
import { mapBinaryToIndices } from '../../../transforms/utility/fg-bg-to-indices.js';
import { promoteDTypes } from '../../../transforms/utility/concat-items.js';
import { squeezeAffine } from '../../../transforms/utility/squeeze-dim.js';
import { Compose } from '../../../transforms/compose.js';
import { SpatialPadd } from '../../../transforms/crop-pad/index.js';
import {
  buildPipeline,
  caseInput,
  compareOutput,
  loadCases,
  type GoldenOutput,
} from '../../support/golden.js';

const AFFINE = affineFromRows([
  [0, -1.5, 0, 10],
  [2, 0, 0, -20],
  [0, 0, 1.25, 5],
]);

function image(shape = [1, 3, 2, 2], dataFn: (i: number) => number = (i) => i + 1): MetaImage {
  const n = shape.reduce((a, b) => a * b, 1);
  return new MetaImage({
    data: Float32Array.from({ length: n }, (_, i) => dataFn(i)),
    shape,
    affine: AFFINE.slice(),
    meta: { spatial_shape: shape.slice(1), filename_or_obj: 'x.nii' },
    appliedOperations: [{ class: 'SpatialPad', orig_size: [1], extra_info: {} }],
  });
}

async function rejectsWith(p: Promise<unknown>, transform: string, key: string | undefined, re: RegExp) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TransformError);
  expect((e as TransformError).transform).toBe(transform);
  expect((e as TransformError).key).toBe(key);
  expect((e as Error).message).toMatch(re);
}

describe('golden cases of the utility transforms', () => {
  const ids = ['cast_label_int16', 'cast_uint8_after_scale', 'ensure_typed_float64_squeeze'];
  for (const c of loadCases().filter((x) => ids.includes(x.id))) {
    it(c.id, async () => {
      const out = (await buildPipeline(c).apply(caseInput(c))) as Record<string, unknown>;
      for (const [key, spec] of Object.entries(c.outputs as Record<string, GoldenOutput>))
        expect(await compareOutput(out[key], spec, c.tolerance), `${c.id}.${key}`).toEqual([]);
    });
  }
});

describe('CastToType', () => {
  it('truncates toward zero and wraps as numpy astype', async () => {
    const img = new MetaImage({ data: Float32Array.from([-1.7, 1.7, 2.5, 255.9, 256, -0.2]), shape: [1, 6] });
    const u8 = await new CastToType({ dtype: 'uint8' }).apply(img);
    expect(u8.dtype).toBe('uint8');
    expect(Array.from(u8.data)).toEqual([255, 1, 2, 255, 0, 0]);
    const i16 = await new CastToType({ dtype: 'int16' }).apply(img);
    expect(Array.from(i16.data)).toEqual([-1, 1, 2, 255, 256, 0]);
    const b = await new CastToType({ dtype: 'bool' }).apply(img);
    expect(Array.from(b.data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect((await new CastToType().apply(i16)).dtype).toBe('float32');
    expect(img.dtype).toBe('float32');
  });

  it('casts per key and reports bad dtypes naming the key', async () => {
    const d = await new CastToTyped({ keys: ['a', 'b'], dtype: ['int32', 'float64'] }).apply({
      a: image(),
      b: image(),
    });
    expect((d.a as MetaImage).dtype).toBe('int32');
    expect((d.b as MetaImage).dtype).toBe('float64');
    expect(() => new CastToTyped({ keys: 'a', dtype: 'int64' as never })).toThrow(
      /CastToTyped: option 'dtype' is 'int64': it must be one of .*'int32'/,
    );
    expect(() => new CastToTyped({ keys: 'a', dtype: ['complex'] as never })).toThrow(TransformOptionError);
    await rejectsWith(
      new CastToTyped({ keys: 'a' }).apply({ a: 'file.nii' }),
      'CastToTyped',
      'a',
      /MetaImage/,
    );
  });
});

describe('EnsureType / ToTensor', () => {
  it('keeps float64, casts on request and keeps meta unless trackMeta is false', async () => {
    const img = image();
    const f64 = (await new EnsureType({ dtype: 'float64' }).apply(img)) as MetaImage;
    expect(f64.dtype).toBe('float64');
    expect(((await new EnsureType().apply(f64)) as MetaImage).dtype).toBe('float64');
    expect(f64.meta.filename_or_obj).toBe('x.nii');
    expect(f64.appliedOperations).toHaveLength(1);
    const bare = (await new EnsureType({ trackMeta: false }).apply(img)) as MetaImage;
    expect(bare.meta).toEqual({});
    expect(bare.appliedOperations).toEqual([]);
    expect(affineToRows(bare.affine)).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    expect(bare.data).toBe(img.data);
    const np = (await new EnsureType({ dataType: 'numpy' }).apply(img)) as MetaImage;
    expect(np.meta).toEqual({});
    expect(await new EnsureType().apply(3)).toBe(3);
    expect(
      Array.from(
        (await new EnsureType({ dtype: 'int16' }).apply(Float64Array.from([1.9, -1.9]))) as Int16Array,
      ),
    ).toEqual([1, -1]);
    const d = await new EnsureTyped({ keys: ['image', 'id'], dtype: 'float64' }).apply({
      image: img,
      id: 'case-1',
    });
    expect((d.image as MetaImage).dtype).toBe('float64');
    expect(d.id).toBe('case-1');
    // refused at construction, as the type says (MONAI would silently give numpy)
    for (const dataType of ['cupy', 'Tensor'])
      expect(() => new EnsureTyped({ keys: 'image', dataType: dataType as 'tensor' })).toThrow(
        `EnsureTyped: option 'dataType' is '${dataType}': it must be one of 'tensor', 'numpy'`,
      );
    expect(() => ensureType(img, { dataType: 'cupy' as 'tensor' })).toThrow(/'tensor' or 'numpy'/);
  });

  it('ToTensor drops the trace (as MONAI) and never touches the input', async () => {
    const img = image();
    const out = (await new ToTensor({ dtype: 'float32' }).apply(img)) as MetaImage;
    expect(out.appliedOperations).toEqual([]);
    expect(out.meta.filename_or_obj).toBe('x.nii');
    expect(img.appliedOperations).toHaveLength(1);
    const d = await new ToTensord({ keys: 'image', trackMeta: false }).apply({ image: img });
    expect((d.image as MetaImage).meta).toEqual({});
    expect(T.isInvertible(new ToTensord({ keys: 'image' }))).toBe(true);
  });
});

describe('Lambda', () => {
  const negate = (img: MetaImage) => img.clone({ data: img.data.map((v) => -v) });

  it('applies func, traces Lambda, and inverts with invFunc', async () => {
    const img = image();
    const t = new Lambda({ func: negate, invFunc: negate });
    const out = (await t.apply(img)) as MetaImage;
    expect(out.data[0]).toBe(-1);
    expect(out.appliedOperations.at(-1)?.class).toBe('Lambda');
    const back = (await t.inverse(out)) as MetaImage;
    expect(back.data[0]).toBe(1);
    expect(back.appliedOperations).toHaveLength(1);
    // an identity func does not put a trace on the caller's image
    await new Lambda({ func: (x: unknown) => x }).apply(img);
    expect(img.appliedOperations).toHaveLength(1);
    expect(await new Lambda({ func: async (x: number) => x * 2 }).apply(21)).toBe(42);
  });

  it('Lambdad: per-key funcs, overwrite to another key or not at all, inverse through Compose', async () => {
    const img = image();
    const c = new Compose([
      new Lambdad({
        keys: ['a', 'b', 'c'],
        func: [negate, negate, negate],
        invFunc: negate,
        overwrite: [true, 'b_neg', false],
      }),
      new SpatialPadd({ keys: 'a', spatialSize: [4, 2, 2] }),
    ]);
    const out = await c.apply({ a: img, b: img, c: img });
    expect((out.a as MetaImage).shape).toEqual([1, 4, 2, 2]);
    expect((out.a as MetaImage).data[0]).toBe(-1);
    expect((out.a as MetaImage).data[15]).toBe(0); // padded row at the end
    expect((out.b_neg as MetaImage).data[0]).toBe(-1);
    expect(out.b).toBe(img);
    expect(out.c).toBe(img);
    const inv = await c.inverse(out);
    expect((inv.a as MetaImage).shape).toEqual([1, 3, 2, 2]);
    expect(Array.from((inv.a as MetaImage).data)).toEqual(Array.from(img.data));
    await rejectsWith(
      new Lambdad({
        keys: 'a',
        func: () => {
          throw new Error('boom');
        },
      }).apply({ a: img }),
      'Lambdad',
      'a',
      /boom/,
    );
    expect(() => new Lambdad({ keys: 'a', func: 3 as never })).toThrow(TransformError);
  });
});

describe('item transforms', () => {
  it('CopyItemsd makes independent deep copies named copy by copy', async () => {
    const img = image();
    const d = await new CopyItemsd({
      keys: ['image', 'meta'],
      times: 2,
      names: ['i1', 'm1', 'i2', 'm2'],
    }).apply({ image: img, meta: { a: [1, 2] } });
    expect((d.i1 as MetaImage).data).not.toBe(img.data);
    expect(Array.from((d.i2 as MetaImage).data)).toEqual(Array.from(img.data));
    expect(d.m2).toEqual({ a: [1, 2] });
    expect(d.m1).not.toBe(d.meta);
    expect(() => new CopyItemsd({ keys: ['image'], times: 2, names: ['x'] })).toThrow(/keys × times/);
    await rejectsWith(
      new CopyItemsd({ keys: 'image', names: 'meta' }).apply({ image: img, meta: 1 }),
      'CopyItemsd',
      'image',
      /already exists/,
    );
  });

  it('DeleteItemsd deletes by name, nested path and regular expression; missing keys are ignored', async () => {
    const d = await new DeleteItemsd({
      keys: ['image_meta_dict.affine', '^tmp_', 'nope'],
      useRe: [false, true, false],
    }).apply({
      image: 1,
      image_meta_dict: { affine: 1, shape: 2 },
      tmp_a: 1,
      tmp_b: 2,
      keep_tmp_: 3,
    });
    expect(d).toEqual({ image: 1, image_meta_dict: { shape: 2 }, keep_tmp_: 3 });
  });

  it('SelectItemsd keeps the given keys; Identity(d) return their input', async () => {
    expect(await new SelectItemsd({ keys: ['a', 'c'] }).apply({ a: 1, b: 2, c: 3 })).toEqual({ a: 1, c: 3 });
    await expect(new SelectItemsd({ keys: ['a', 'z'] }).apply({ a: 1 })).rejects.toThrow(TransformError);
    expect(
      await new SelectItemsd({ keys: ['a', 'z'], allowMissingKeys: true }).apply({ a: 1, b: 2 }),
    ).toEqual({ a: 1 });
    const img = image();
    expect(await new Identity().apply(img)).toBe(img);
    expect(await new Identityd({ keys: 'x' }).apply({ x: img })).toEqual({ x: img });
  });
});

describe('SqueezeDim', () => {
  it('squeezes the channel axis keeping the affine, and a spatial axis removing it from the affine as MONAI', async () => {
    const img = image([1, 3, 1, 2]);
    const a = await new SqueezeDim().apply(img);
    expect(a.shape).toEqual([3, 1, 2]);
    expect(Array.from(a.affine)).toEqual(Array.from(img.affine));
    const b = await new SqueezeDim({ dim: 2 }).apply(img);
    expect(b.shape).toEqual([1, 3, 2]);
    // rows/cols 1 removed: [[0, 0, 10], [0, 1.25, 5], [0, 0, 1]] kept as a 2-D 4×4
    expect(affineToRows(b.affine)).toEqual([
      [0, 0, 0, 10],
      [0, 1.25, 0, 5],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    expect(Array.from(b.data)).toEqual(Array.from(img.data));
    const c = await new SqueezeDim({ dim: -2, updateMeta: false }).apply(img);
    expect(Array.from(c.affine)).toEqual(Array.from(img.affine));
    expect((await new SqueezeDim({ dim: null }).apply(img)).shape).toEqual([3, 2]);
    expect(affineToRows(squeezeAffine(AFFINE, 3))).toEqual([
      [0, -1.5, 0, 10],
      [2, 0, 0, -20],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    await rejectsWith(
      new SqueezeDimd({ keys: 'x', dim: 1 }).apply({ x: img }),
      'SqueezeDimd',
      'x',
      /size-1 axis/,
    );
    await rejectsWith(
      new SqueezeDimd({ keys: 'x', dim: 7 }).apply({ x: img }),
      'SqueezeDimd',
      'x',
      /out of range/,
    );
  });
});

describe('ConcatItemsd / AsChannelLast', () => {
  it('concatenates channels with torch dtype promotion; meta from the first', async () => {
    const a = image([1, 2, 2]);
    const b = new MetaImage({
      data: Int16Array.from([7, 8, 9, 10]),
      shape: [1, 2, 2],
      meta: { filename_or_obj: 'b' },
    });
    const d = await new ConcatItemsd({ keys: ['a', 'b'], name: 'ab' }).apply({ a, b });
    const ab = d.ab as MetaImage;
    expect(ab.shape).toEqual([2, 2, 2]);
    expect(ab.dtype).toBe('float32');
    expect(Array.from(ab.data)).toEqual([1, 2, 3, 4, 7, 8, 9, 10]);
    expect(ab.meta.filename_or_obj).toBe('x.nii');
    const d1 = await new ConcatItemsd({ keys: ['a', 'b'], name: 'ab', dim: 2 }).apply({ a, b });
    expect(Array.from((d1.ab as MetaImage).data)).toEqual([1, 2, 7, 8, 3, 4, 9, 10]);
    expect(promoteDTypes(['uint8', 'int8'])).toBe('int16');
    expect(promoteDTypes(['uint16', 'uint8'])).toBe('uint16');
    expect(promoteDTypes(['uint32', 'int8'])).toBe('float64');
    expect(promoteDTypes(['bool', 'bool'])).toBe('bool');
    await rejectsWith(
      new ConcatItemsd({ keys: ['a', 'c'], name: 'x' }).apply({ a, c: image([1, 3, 2]) }),
      'ConcatItemsd',
      'a',
      /other axes must match/,
    );
    await rejectsWith(
      new ConcatItemsd({ keys: ['a', 'c'], name: 'x' }).apply({ a, c: 3 }),
      'ConcatItemsd',
      'a',
      /MetaImages/,
    );
  });

  it('AsChannelLast moves the channel axis last', async () => {
    const img = image([2, 3, 2]);
    const out = await new AsChannelLast().apply(img);
    expect(out.shape).toEqual([3, 2, 2]);
    expect(Array.from(out.data)).toEqual([1, 7, 2, 8, 3, 9, 4, 10, 5, 11, 6, 12]);
    const d = await new AsChannelLastd({ keys: 'x', channelDim: 1 }).apply({ x: img });
    expect((d.x as MetaImage).shape).toEqual([2, 2, 3]);
  });
});

describe('FgBgToIndices', () => {
  it('flat indices match a brute-force scan, with image threshold and one-hot labels', async () => {
    const label = new MetaImage({ data: Float32Array.from([0, 1, 0, 2, 0, 0]), shape: [1, 2, 3] });
    const img = new MetaImage({ data: Float32Array.from([5, 5, 0, 5, -1, 5]), shape: [1, 2, 3] });
    const [fg, bg] = await new FgBgToIndices().apply(label);
    expect(Array.from(fg as Int32Array)).toEqual([1, 3]);
    expect(Array.from(bg as Int32Array)).toEqual([0, 2, 4, 5]);
    const [, bg2] = await new FgBgToIndices({ imageThreshold: 0 }).apply(label, img);
    expect(Array.from(bg2 as Int32Array)).toEqual([0, 5]);
    const oneHot = new MetaImage({ data: Float32Array.from([1, 1, 0, 0, 1, 0]), shape: [2, 3] });
    expect(Array.from(mapBinaryToIndices(oneHot).fg)).toEqual([1]);
    const [coords] = await new FgBgToIndices({ outputShape: [2, 3] }).apply(label);
    expect(coords).toEqual([
      [0, 1],
      [1, 0],
    ]);
    const d = await new FgBgToIndicesd({ keys: 'label', imageKey: 'image' }).apply({ label, image: img });
    expect(Array.from(d.label_fg_indices as Int32Array)).toEqual([1, 3]);
    expect(Array.from(d.label_bg_indices as Int32Array)).toEqual([0, 5]);
    await rejectsWith(
      new FgBgToIndicesd({ keys: 'label', imageKey: 'img' }).apply({ label }),
      'FgBgToIndicesd',
      undefined,
      /imageKey 'img' is missing/,
    );
    const wrong = new MetaImage({ data: new Float32Array(4), shape: [1, 2, 2] });
    await rejectsWith(
      new FgBgToIndicesd({ keys: 'label', imageKey: 'image' }).apply({ label, image: wrong }),
      'FgBgToIndicesd',
      'label',
      /spatial shape/,
    );
  });
});

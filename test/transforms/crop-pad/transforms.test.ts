import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { affineFromRows, applyAffine } from '../../../src/image/affine.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import {
  BorderPad,
  BorderPadd,
  CenterSpatialCrop,
  CenterSpatialCropd,
  CropForeground,
  CropForegroundd,
  DivisiblePad,
  DivisiblePadd,
  Pad,
  ResizeWithPadOrCrop,
  ResizeWithPadOrCropd,
  SpatialCrop,
  SpatialCropd,
  SpatialPad,
  SpatialPadd,
} from '../../../transforms/crop-pad/index.js';
import {
  computeForegroundBox,
  generateSpatialBoundingBox,
} from '../../../transforms/crop-pad/crop-foreground.js';
import { cropImage } from '../../../transforms/crop-pad/crop-image.js';
import { Compose } from '../../../transforms/compose.js';

const AFFINE = affineFromRows([
  [0, -1.5, 0, 10],
  [2, 0, 0, -20],
  [0, 0, 1.25, 5],
]);

/** A [C, 6, 5, 4] image with distinct values (value = flat index + 1). */
function image(shape = [1, 6, 5, 4]): MetaImage {
  const n = shape.reduce((a, b) => a * b, 1);
  return new MetaImage({
    data: Float32Array.from({ length: n }, (_, i) => i + 1),
    shape,
    affine: AFFINE.slice(),
    meta: { spatial_shape: shape.slice(1) },
  });
}

/** Value at a spatial index of channel c. */
function at(img: MetaImage, c: number, ...idx: number[]): number {
  const shape = img.shape;
  let flat = c;
  for (let i = 0; i < idx.length; i++) flat = flat * (shape[i + 1] as number) + (idx[i] as number);
  return img.data[flat] as number;
}

/** World position of voxel `idx` must be the same before and after (crops and pads move the origin, not the world). */
function expectSameWorld(before: MetaImage, after: MetaImage, idxBefore: number[], idxAfter: number[]) {
  const a = applyAffine(before.affine, idxBefore);
  const b = applyAffine(after.affine, idxAfter);
  for (let i = 0; i < 3; i++) expect(b[i]).toBeCloseTo(a[i] as number, 12);
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

describe('crops', () => {
  it('SpatialCrop by centre/size keeps world positions and inverts to the original shape and affine', async () => {
    const img = image();
    const t = new SpatialCrop({ roiCenter: [3, 2, 2], roiSize: [2, 3, 2] });
    const out = await t.apply(img);
    expect(out.shape).toEqual([1, 2, 3, 2]);
    expect(at(out, 0, 0, 0, 0)).toBe(at(img, 0, 2, 1, 1));
    expectSameWorld(img, out, [2, 1, 1], [0, 0, 0]);
    expect(out.appliedOperations.at(-1)).toMatchObject({
      class: 'SpatialCrop',
      orig_size: [6, 5, 4],
      extra_info: { cropped: [2, 2, 1, 1, 1, 1] },
    });
    const inv = await t.inverse(out);
    expect(inv.shape).toEqual(img.shape);
    expect(Array.from(inv.affine)).toEqual(Array.from(img.affine));
    expect(inv.appliedOperations).toEqual([]);
    expect(at(inv, 0, 2, 1, 1)).toBe(at(img, 0, 2, 1, 1));
    expect(at(inv, 0, 0, 0, 0)).toBe(0); // MONAI pads zeros back
    // the input was not touched
    expect(img.appliedOperations).toEqual([]);
    expect(img.data[0]).toBe(1);
  });

  it('SpatialCrop with start/end clamps the start and clips the end; slices accept negatives and nulls', async () => {
    const img = image();
    const a = await new SpatialCrop({ roiStart: [-2, 1, 0], roiEnd: [3, 99, 2] }).apply(img);
    expect(a.shape).toEqual([1, 3, 4, 2]);
    const b = await new SpatialCrop({ roiSlices: [[-3, null], { start: 1, stop: -1 }] }).apply(img);
    expect(b.shape).toEqual([1, 3, 3, 4]);
    expect(at(b, 0, 0, 0, 0)).toBe(at(img, 0, 3, 1, 0));
    expectSameWorld(img, b, [3, 1, 0], [0, 0, 0]);
    expect(b.appliedOperations[0]!.extra_info.cropped).toEqual([3, 0, 1, 1, 0, 0]);
  });

  it('CenterSpatialCrop uses floor(size/2) centres and -1 for whole axes; multi-channel data moves together', async () => {
    const img = image([2, 6, 5, 4]);
    const out = await new CenterSpatialCrop({ roiSize: [3, -1, 2] }).apply(img);
    expect(out.shape).toEqual([2, 3, 5, 2]);
    expect(out.appliedOperations[0]!.extra_info.cropped).toEqual([2, 1, 0, 0, 1, 1]);
    expect(at(out, 1, 0, 0, 0)).toBe(at(img, 1, 2, 0, 1));
    const big = await new CenterSpatialCrop({ roiSize: 50 }).apply(img);
    expect(big.shape).toEqual(img.shape);
    expect(big.data).toBe(img.data); // nothing cropped: the array is shared
  });

  it('dictionary crops apply the same box to every key and invert through Compose', async () => {
    const item = { image: image(), label: image([1, 6, 5, 4]) };
    type Item = { image: MetaImage; label: MetaImage };
    const c = new Compose<Item>([
      new SpatialCropd({ keys: ['image', 'label'], roiStart: [1, 1, 1], roiEnd: [4, 4, 3] }),
      new CenterSpatialCropd({ keys: 'image', roiSize: [2, 2, 2] }),
    ]);
    const out = await c.apply(item);
    expect(out.image.shape).toEqual([1, 2, 2, 2]);
    expect(out.label.shape).toEqual([1, 3, 3, 2]);
    const inv = await c.inverse(out);
    expect(inv.image.shape).toEqual([1, 6, 5, 4]);
    expect(Array.from(inv.image.affine)).toEqual(Array.from(AFFINE));
    expect(Array.from(inv.label.affine)).toEqual(Array.from(AFFINE));
  });
});

describe('pads', () => {
  it('SpatialPad symmetric/end, modes per key, inverse restores data, shape and affine', async () => {
    const img = image([1, 3, 2]);
    const out = await new SpatialPad({ spatialSize: [6, -1], mode: 'reflect' }).apply(img);
    expect(out.shape).toEqual([1, 6, 2]);
    expect(out.appliedOperations[0]).toMatchObject({
      class: 'SpatialPad',
      orig_size: [3, 2],
      extra_info: {
        padded: [
          [0, 0],
          [1, 2],
          [0, 0],
        ],
        mode: 'reflect',
      },
    });
    // reflect excludes the edge: row -1 is row 1
    expect(at(out, 0, 0, 0)).toBe(at(img, 0, 1, 0));
    expectSameWorld(img, out, [0, 0], [1, 0]);
    const inv = await new SpatialPad({ spatialSize: [6, -1] }).inverse(out);
    expect(Array.from(inv.data)).toEqual(Array.from(img.data));
    expect(Array.from(inv.affine)).toEqual(Array.from(img.affine));

    const d = await new SpatialPadd({
      keys: ['a', 'b'],
      spatialSize: [4, 4],
      method: 'end',
      mode: ['constant', 'edge'],
      value: 9,
    }).apply({ a: img, b: img });
    const a = d.a as MetaImage;
    const b = d.b as MetaImage;
    expect(at(a, 0, 3, 3)).toBe(9);
    expect(at(b, 0, 3, 3)).toBe(at(img, 0, 2, 1));
    expect(b.appliedOperations[0]!.extra_info.mode).toBe('edge');
    expect(Array.from(a.affine)).toEqual(Array.from(img.affine)); // 'end' padding keeps the origin
  });

  it('BorderPad: one value, per axis, per side; negative borders count as 0 (MONAI)', async () => {
    const img = image([1, 3, 2]);
    expect((await new BorderPad({ spatialBorder: 1 }).apply(img)).shape).toEqual([1, 5, 4]);
    expect((await new BorderPad({ spatialBorder: [1, 0] }).apply(img)).shape).toEqual([1, 5, 2]);
    const s = await new BorderPad({ spatialBorder: [1, 2, 3, 4], mode: 'symmetric' }).apply(img);
    expect(s.shape).toEqual([1, 6, 9]);
    expect(s.appliedOperations[0]!.extra_info.padded).toEqual([
      [0, 0],
      [1, 2],
      [3, 4],
    ]);
    expect((await new BorderPad({ spatialBorder: [-3, 1] }).apply(img)).shape).toEqual([1, 3, 4]);
    await rejectsWith(
      new BorderPadd({ keys: 'x', spatialBorder: [1, 2, 3] }).apply({ x: img }),
      'BorderPadd',
      'x',
      /one per side/,
    );
  });

  it('DivisiblePad rounds up to multiples of k (k ≤ 0 keeps an axis) and wraps', async () => {
    const img = image([1, 3, 2]);
    const out = await new DivisiblePad({ k: [4, 0], mode: 'wrap' }).apply(img);
    expect(out.shape).toEqual([1, 4, 2]);
    expect(at(out, 0, 0, 0)).toBe(at(img, 0, 0, 0));
    expect(at(out, 0, 3, 1)).toBe(at(img, 0, 0, 1)); // wrapped
    const d = await new DivisiblePadd({ keys: 'x', k: 5, method: 'end' }).apply({ x: img });
    expect((d.x as MetaImage).shape).toEqual([1, 5, 5]);
    const inv = await new DivisiblePadd({ keys: 'x', k: 5 }).inverse(d);
    expect((inv.x as MetaImage).shape).toEqual([1, 3, 2]);
  });

  it('Pad takes explicit widths including the channel axis and inverts them', async () => {
    const img = image([2, 3, 2]);
    const t = new Pad({
      toPad: [
        [1, 0],
        [0, 1],
        [2, 0],
      ],
    });
    const out = await t.apply(img);
    expect(out.shape).toEqual([3, 4, 4]);
    const inv = await t.inverse(out);
    expect(Array.from(inv.data)).toEqual(Array.from(img.data));
    expect(inv.shape).toEqual(img.shape);
  });

  it('integer images keep their dtype', async () => {
    const img = new MetaImage({ data: Int16Array.from([1, -2, 3, 4]), shape: [1, 2, 2] });
    const out = await new BorderPad({ spatialBorder: 1, mode: 'edge' }).apply(img);
    expect(out.dtype).toBe('int16');
    expect(Array.from(out.data.subarray(0, 4))).toEqual([1, 1, -2, -2]);
  });
});

describe('CropForeground', () => {
  /** 1×8×7 with foreground in rows 2..4, columns 3..5 of channel 0 and one voxel in channel 1. */
  function blob(): MetaImage {
    const data = new Float32Array(2 * 8 * 7);
    for (let x = 2; x <= 4; x++) for (let y = 3; y <= 5; y++) data[x * 7 + y] = 5;
    data[56 + 7 * 7 + 6] = 1; // channel 1, voxel (7, 6)
    return new MetaImage({ data, shape: [2, 8, 7], affine: AFFINE.slice() });
  }

  it('computes MONAI boxes: margin, allowSmaller, channelIndices, selectFn, kDivisible', () => {
    const img = blob();
    expect(generateSpatialBoundingBox(img, { channelIndices: 0 })).toEqual({ start: [2, 3], end: [5, 6] });
    expect(generateSpatialBoundingBox(img)).toEqual({ start: [2, 3], end: [8, 7] });
    expect(generateSpatialBoundingBox(img, { channelIndices: [0], margin: [3, 1] })).toEqual({
      start: [0, 2],
      end: [8, 7],
    });
    expect(generateSpatialBoundingBox(img, { channelIndices: [0], margin: 3, allowSmaller: false })).toEqual({
      start: [-1, 0],
      end: [8, 9],
    });
    expect(generateSpatialBoundingBox(img, { selectFn: (v) => v > 2 })).toEqual({
      start: [2, 3],
      end: [5, 6],
    });
    expect(computeForegroundBox(img, { channelIndices: 0, kDivisible: [4, 2] })).toEqual({
      start: [2, 3],
      end: [6, 7],
    });
    // grown by 5 on axis 0: floor(5/2) = 2 before, 3 after
    expect(computeForegroundBox(img, { channelIndices: 0, kDivisible: [8, 2] })).toEqual({
      start: [0, 3],
      end: [8, 7],
    });
    expect(
      generateSpatialBoundingBox(new MetaImage({ data: new Float32Array(4), shape: [1, 2, 2] })),
    ).toEqual({ start: [0, 0], end: [0, 0] });
  });

  it('crops and pads past the image with the mode, traces Pad inside CropForeground, and inverts', async () => {
    const img = blob();
    const t = new CropForeground({ channelIndices: 0, margin: 3, allowSmaller: false, mode: 'edge' });
    const out = await t.apply(img);
    expect(out.shape).toEqual([2, 9, 9]);
    const op = out.appliedOperations[0]!;
    expect(op.class).toBe('CropForeground');
    expect(op.extra_info.cropped).toEqual([0, 0, 0, 0]);
    expect(op.extra_info.pad_info).toMatchObject({
      class: 'Pad',
      orig_size: [8, 7],
      extra_info: {
        padded: [
          [0, 0],
          [1, 0],
          [0, 2],
        ],
        mode: 'edge',
      },
    });
    expectSameWorld(img, out, [0, 0], [1, 0]);
    const inv = await t.inverse(out);
    expect(Array.from(inv.data)).toEqual(Array.from(img.data));
    expect(Array.from(inv.affine)).toEqual(Array.from(img.affine));
    expect(inv.appliedOperations).toEqual([]);
  });

  it('CropForegroundd uses the source key for all keys, writes the box keys, and inverts', async () => {
    const img = blob();
    const label = new MetaImage({
      data: Float32Array.from(img.data, (v) => (v > 0 ? 1 : 0)).subarray(0, 56),
      shape: [1, 8, 7],
      affine: AFFINE.slice(),
    });
    const t = new CropForegroundd({
      keys: ['image', 'label'],
      sourceKey: 'image',
      channelIndices: 0,
      kDivisible: 4,
    });
    const out = await t.apply({ image: img, label });
    expect((out.image as MetaImage).shape).toEqual([2, 4, 4]);
    expect((out.label as MetaImage).shape).toEqual([1, 4, 4]);
    expect(out.foreground_start_coord).toEqual([2, 3]);
    expect(out.foreground_end_coord).toEqual([6, 7]);
    const inv = await t.inverse(out);
    expect((inv.label as MetaImage).shape).toEqual([1, 8, 7]);
    const none = await new CropForegroundd({
      keys: 'image',
      sourceKey: 'image',
      startCoordKey: null,
      endCoordKey: 'box_end',
    }).apply({ image: img });
    expect('foreground_start_coord' in none).toBe(false);
    expect(none.box_end).toEqual([8, 7]);
  });

  it("an image without foreground gives MONAI's empty crop, or with allowEmpty: false an error naming the source key", async () => {
    const zero = new MetaImage({ data: new Float32Array(12), shape: [1, 3, 4] });
    await rejectsWith(
      new CropForegroundd({ keys: ['image', 'label'], sourceKey: 'label', allowEmpty: false }).apply({
        image: zero,
        label: zero,
      }),
      'CropForegroundd',
      'label',
      /no foreground found.*allowEmpty/,
    );
    await rejectsWith(
      new CropForeground({ allowEmpty: false }).apply(zero),
      'CropForeground',
      undefined,
      /no foreground/,
    );
    const empty = await new CropForeground().apply(zero);
    expect(empty.shape).toEqual([1, 0, 0]);
    const d = await new CropForegroundd({ keys: ['image'], sourceKey: 'image' }).apply({ image: zero });
    expect((d.image as MetaImage).shape).toEqual([1, 0, 0]);
  });

  it('returnCoords gives [crop, boxStart, boxEnd] as MONAI', async () => {
    const img = new MetaImage({ data: new Float32Array(12), shape: [1, 3, 4] });
    img.data[5] = 1; // (1, 1)
    const [crop, start, end] = await new CropForeground({ returnCoords: true }).apply(img);
    expect(crop.shape).toEqual([1, 1, 1]);
    expect(start).toEqual([1, 1]);
    expect(end).toEqual([2, 2]);
  });

  it('bad options are TransformErrors naming transform and key', async () => {
    const img = blob();
    await rejectsWith(
      new CropForegroundd({ keys: 'image', sourceKey: 'seg' }).apply({ image: img }),
      'CropForegroundd',
      'seg',
      /sourceKey 'seg' is missing/,
    );
    await rejectsWith(
      new CropForegroundd({ keys: 'image', sourceKey: 'image', margin: -1 }).apply({ image: img }),
      'CropForegroundd',
      'image',
      /margin must not be negative/,
    );
    await rejectsWith(
      new CropForegroundd({ keys: 'image', sourceKey: 'image', channelIndices: 5 }).apply({ image: img }),
      'CropForegroundd',
      'image',
      /channelIndices/,
    );
    await rejectsWith(
      new CropForegroundd({ keys: 'image', sourceKey: 'image', kDivisible: [NaN, 2] }).apply({ image: img }),
      'CropForegroundd',
      'image',
      /k must hold integers/,
    );
    await rejectsWith(
      new CropForegroundd({ keys: ['image', 'lbl'], sourceKey: 'image' }).apply({ image: img }),
      'CropForegroundd',
      'lbl',
      /missing/,
    );
  });
});

describe('ResizeWithPadOrCrop', () => {
  it('crops the centre then pads, with one nested trace, and inverts', async () => {
    const img = image();
    const t = new ResizeWithPadOrCrop({ spatialSize: [4, 8, -1], mode: 'symmetric' });
    const out = await t.apply(img);
    expect(out.shape).toEqual([1, 4, 8, 4]);
    const op = out.appliedOperations[0]!;
    expect(op.class).toBe('ResizeWithPadOrCrop');
    expect(op.orig_size).toEqual([6, 5, 4]);
    expect(Object.keys(op.extra_info)).toEqual(['pad_info', 'crop_info']);
    expect(op.extra_info.crop_info).toMatchObject({
      class: 'CenterSpatialCrop',
      extra_info: { cropped: [1, 1, 0, 0, 0, 0] },
    });
    expect(op.extra_info.pad_info).toMatchObject({
      class: 'SpatialPad',
      orig_size: [4, 5, 4],
      extra_info: {
        padded: [
          [0, 0],
          [0, 0],
          [1, 2],
          [0, 0],
        ],
      },
    });
    expectSameWorld(img, out, [1, 0, 0], [0, 1, 0]);
    const inv = await t.inverse(out);
    expect(inv.shape).toEqual(img.shape);
    expect(Array.from(inv.affine)).toEqual(Array.from(img.affine));
    const d = await new ResizeWithPadOrCropd({ keys: ['a'], spatialSize: 3 }).apply({ a: img });
    expect((d.a as MetaImage).shape).toEqual([1, 3, 3, 3]);
  });
});

describe('bad sizes', () => {
  const img = image();
  it('NaN, non-integer, too-negative and wrongly sized sizes are TransformErrors naming transform and key', async () => {
    await rejectsWith(
      new SpatialPadd({ keys: 'image', spatialSize: [NaN, 4, 4] }).apply({ image: img }),
      'SpatialPadd',
      'image',
      /integers/,
    );
    await rejectsWith(
      new SpatialPadd({ keys: 'image', spatialSize: [8, -5, 4] }).apply({ image: img }),
      'SpatialPadd',
      'image',
      /positive \(or -1/,
    );
    await rejectsWith(
      new SpatialPadd({ keys: 'image', spatialSize: [8, 8] }).apply({ image: img }),
      'SpatialPadd',
      'image',
      /2 values but the image has 3/,
    );
    await rejectsWith(
      new CenterSpatialCropd({ keys: 'image', roiSize: [2.5, 2, 2] }).apply({ image: img }),
      'CenterSpatialCropd',
      'image',
      /integers/,
    );
    await rejectsWith(
      new ResizeWithPadOrCropd({ keys: 'image', spatialSize: [Infinity, 2, 2] }).apply({ image: img }),
      'ResizeWithPadOrCropd',
      'image',
      /integers/,
    );
    await rejectsWith(
      new SpatialCropd({ keys: 'image', roiCenter: [2, 2, 2], roiSize: [-2, 2, 2] }).apply({ image: img }),
      'SpatialCropd',
      'image',
      /must not be negative/,
    );
    await rejectsWith(
      new SpatialCropd({ keys: 'image', roiCenter: [2, NaN, 2], roiSize: 2 }).apply({ image: img }),
      'SpatialCropd',
      'image',
      /finite/,
    );
    await rejectsWith(
      new SpatialCropd({ keys: 'image', roiStart: [1, 1, 1] }).apply({ image: img }),
      'SpatialCropd',
      'image',
      /roiEnd/,
    );
    await rejectsWith(
      new SpatialPad({ spatialSize: [NaN, 1, 1] }).apply(img),
      'SpatialPad',
      undefined,
      /integers/,
    );
    expect(() => new SpatialPadd({ keys: 'image', spatialSize: 8, mode: 'maximum' as never })).toThrow(
      /SpatialPadd: option 'mode' is 'maximum': it must be one of 'constant', /,
    );
    expect(() => new SpatialPadd({ keys: 'image', spatialSize: 8, method: 'middle' as never })).toThrow(
      /option 'method' is 'middle': it must be one of 'symmetric', 'end'/,
    );
    await rejectsWith(
      new SpatialPadd({ keys: 'image', spatialSize: 8 }).apply({ img }),
      'SpatialPadd',
      'image',
      /missing/,
    );
    await rejectsWith(
      new SpatialPadd({ keys: 'image', spatialSize: 8 }).apply({ image: 'scan.nii.gz' }),
      'SpatialPadd',
      'image',
      /LoadImaged/,
    );
  });

  it('inverting without a matching trace entry is a TransformError', async () => {
    await rejectsWith(
      new SpatialPadd({ keys: 'image', spatialSize: 8 }).inverse({ image: img }),
      'SpatialPadd',
      'image',
      /no applied operations/,
    );
    const cropped = cropImage(img, [[0, 2]], 'SpatialCrop');
    await rejectsWith(
      new BorderPad({ spatialBorder: 1 }).inverse(cropped),
      'BorderPad',
      undefined,
      /SpatialCrop, not BorderPad/,
    );
  });
});

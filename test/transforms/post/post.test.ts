import { describe, expect, it } from 'vitest';
import { TransformError } from '../../../src/errors.js';
import { MetaImage } from '../../../src/image/meta-image.js';
import {
  Activations,
  Activationsd,
  AsDiscrete,
  AsDiscreted,
  FillHoles,
  FillHolesd,
  KeepLargestConnectedComponent,
  KeepLargestConnectedComponentd,
  LabelToContour,
} from '../../../transforms/index.js';
import {
  labelComponents,
  largestConnectedComponentMask,
} from '../../../transforms/post/connected-components.js';
import { image, values } from '../intensity/helpers.js';

/** Parses a 2D picture: one row per string, digits as values. */
function grid(rows: string[]): { data: number[]; shape: number[] } {
  return { data: rows.flatMap((r) => [...r].map(Number)), shape: [rows.length, rows[0]!.length] };
}
function label2d(rows: string[], dtype: 'float32' | 'uint8' = 'float32'): MetaImage {
  const g = grid(rows);
  return image(g.data, [1, ...g.shape], dtype);
}
function picture(img: MetaImage): string[] {
  const [, h, w] = img.shape as [number, number, number];
  const v = values(img);
  return Array.from({ length: h }, (_, r) => v.slice(r * w, (r + 1) * w).join(''));
}

describe('AsDiscrete', () => {
  it('takes the argmax over channels (first maximum wins) keeping a channel axis, as float32', async () => {
    const img = image([0.1, 0.9, 0.5, 0.5, 0.8, 0.1, 0.5, 0.2], [2, 4]);
    const out = await new AsDiscrete({ argmax: true }).apply(img);
    expect(out.shape).toEqual([1, 4]);
    expect(out.dtype).toBe('float32');
    expect(values(out)).toEqual([1, 0, 0, 0]);
  });

  it('one-hot encodes labels (truncating), then thresholds with >=', async () => {
    const out = await new AsDiscrete({ toOnehot: 3 }).apply(image([0, 2, 1.7], [1, 3]));
    expect(out.shape).toEqual([3, 3]);
    expect(values(out)).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0]);
    expect(values(await new AsDiscrete({ threshold: 0.5 }).apply(image([0.49, 0.5, 0.51], [1, 3])))).toEqual([
      0, 1, 1,
    ]);
    expect(
      values(await new AsDiscrete({ rounding: 'torchrounding' }).apply(image([0.5, 1.5, 2.5, -0.5], [1, 4]))),
    ).toEqual([0, 2, 2, -0]);
  });

  it('combines argmax and one-hot; per-key options in the dictionary version', async () => {
    const logits = image([2, 0, 1, 0, 3, 1], [2, 3]);
    const t = new AsDiscreted({ keys: ['pred', 'label'], argmax: [true, false], toOnehot: 2 });
    const out = await t.apply({ pred: logits, label: image([1, 0, 1], [1, 3]) });
    expect(values(out.pred as MetaImage)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(values(out.label as MetaImage)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('rejects labels outside the classes and bad options', async () => {
    await expect(new AsDiscrete({ toOnehot: 2 }).apply(image([0, 2], [1, 2]))).rejects.toThrow(
      /outside \[0, 2\)/,
    );
    await expect(new AsDiscrete({ toOnehot: 2 }).apply(image([0, 1, 0, 1], [2, 2]))).rejects.toThrow(
      /1-channel/,
    );
    expect(() => new AsDiscrete({ toOnehot: true as never })).toThrow(TransformError);
    expect(() => new AsDiscrete({ threshold: NaN })).toThrow(TransformError);
    expect(() => new AsDiscrete({ rounding: 'floor' as never })).toThrow(/torchrounding/);
  });
});

describe('Activations', () => {
  it('applies sigmoid, softmax over channels, or another function', async () => {
    const sig = values(await new Activations({ sigmoid: true }).apply(image([0, 2], [1, 2])));
    expect(sig[0]).toBe(0.5);
    expect(sig[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    const sm = values(await new Activations({ softmax: true }).apply(image([1, 0, 0, 0], [2, 2])));
    expect(sm[0]).toBeCloseTo(Math.E / (Math.E + 1), 6);
    expect(sm[0]! + sm[2]!).toBeCloseTo(1, 6);
    expect(sm[1]).toBe(0.5);
    const tanh = await new Activationsd({ keys: 'x', other: (d) => d.map(Math.tanh) }).apply({
      x: image([1], [1, 1]),
    });
    expect(values(tanh.x as MetaImage)[0]).toBeCloseTo(Math.tanh(1), 6);
  });

  it('casts back to the input dtype (as MONAI) and rejects sigmoid + softmax', async () => {
    const out = await new Activations({ sigmoid: true }).apply(image([0, 5], [1, 2], 'uint8'));
    expect(out.dtype).toBe('uint8');
    expect(values(out)).toEqual([0, 0]);
    expect(() => new Activations({ sigmoid: true, softmax: true })).toThrow(TransformError);
    expect(() => new Activationsd({ keys: 'x', sigmoid: [true], softmax: true })).toThrow(
      /sigmoid and softmax/,
    );
  });
});

describe('connected components (skimage.measure.label)', () => {
  const diag = grid(['100', '010', '001']);

  it('uses 4/8 connectivity in 2D (1/2 hops, null = full)', () => {
    expect(labelComponents(diag.data, diag.shape, 1).count).toBe(3);
    expect(labelComponents(diag.data, diag.shape, 4).count).toBe(3);
    expect(labelComponents(diag.data, diag.shape, 8).count).toBe(1);
    expect(labelComponents(diag.data, diag.shape, null).count).toBe(1);
    expect(() => labelComponents(diag.data, diag.shape, 3)).toThrow(TransformError);
  });

  it('numbers labels in raster order of first voxel', () => {
    const g = grid(['0011', '1000', '1001']);
    expect(Array.from(labelComponents(g.data, g.shape, 1).labels)).toEqual([
      0, 0, 1, 1, 2, 0, 0, 0, 2, 0, 0, 3,
    ]);
  });

  it('uses 6/18/26 connectivity in 3D', () => {
    const shape = [2, 2, 2];
    const edge = [1, 0, 0, 1, 0, 0, 0, 0]; // (0,0,0) and (0,1,1): two hops
    const corner = [1, 0, 0, 0, 0, 0, 0, 1]; // (0,0,0) and (1,1,1): three hops
    expect(labelComponents(edge, shape, 6).count).toBe(2);
    expect(labelComponents(edge, shape, 18).count).toBe(1);
    expect(labelComponents(corner, shape, 18).count).toBe(2);
    expect(labelComponents(corner, shape, 26).count).toBe(1);
  });

  it('keeps the n largest components; on ties the later one', () => {
    const g = grid(['1101', '0001', '1000']);
    // components (4-connectivity): {0,1} and {3,7} of size 2, {8} of size 1 → the later of the tie
    expect(Array.from(largestConnectedComponentMask(g.data, g.shape, 1, 1))).toEqual([
      0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
    ]);
    expect(Array.from(largestConnectedComponentMask(g.data, g.shape, 1, 2))).toEqual([
      1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
    ]);
  });
});

describe('KeepLargestConnectedComponent', () => {
  it('keeps the largest component of each label of a label map', async () => {
    const img = label2d(['1102', '0002', '1022']);
    const out = await new KeepLargestConnectedComponent({ connectivity: 1 }).apply(img);
    expect(picture(out)).toEqual(['1102', '0002', '0022']);
    const only2 = await new KeepLargestConnectedComponent({ appliedLabels: [2] }).apply(
      label2d(['2002', '0002', '1022']),
    );
    expect(picture(only2)).toEqual(['0002', '0002', '1022']);
  });

  it('treats the union of labels with independent: false', async () => {
    const out = await new KeepLargestConnectedComponent({
      independent: false,
      appliedLabels: [1, 2],
      connectivity: 1,
    }).apply(label2d(['1220', '0000', '0011']));
    expect(picture(out)).toEqual(['1220', '0000', '0000']);
  });

  it('handles one-hot images and keeps the dtype', async () => {
    const ch0 = grid(['0011', '1100']).data.map((v) => 1 - v);
    const ch1 = grid(['0011', '1100']).data;
    const img = image([...ch0, ...ch1], [2, 2, 4], 'uint8');
    const out = await new KeepLargestConnectedComponentd({ keys: 'seg', connectivity: 1 }).apply({
      seg: img,
    });
    const o = out.seg as MetaImage;
    expect(o.dtype).toBe('uint8');
    // channel 0 is background (not applied); channel 1 has two 2-voxel components: the later is kept
    expect(values(o).slice(8)).toEqual([0, 0, 0, 0, 1, 1, 0, 0]);
    expect(values(o).slice(0, 8)).toEqual(ch0);
  });

  it('rejects bad options and multi-channel label maps', async () => {
    expect(() => new KeepLargestConnectedComponent({ numComponents: -1 })).toThrow(TransformError);
    await expect(
      new KeepLargestConnectedComponent({ isOnehot: false }).apply(image([1, 1], [2, 1])),
    ).rejects.toThrow(/1 channel/);
    await expect(
      new KeepLargestConnectedComponent({ connectivity: 3 }).apply(label2d(['11'])),
    ).rejects.toThrow(/connectivity/);
  });
});

describe('FillHoles and LabelToContour', () => {
  it('fills holes enclosed by a label, not those open to the border', async () => {
    const img = label2d(['11111', '10101', '11111', '10000']);
    expect(picture(await new FillHoles().apply(img))).toEqual(['11111', '11111', '11111', '10000']);
  });

  it('depends on connectivity: background leaks through a diagonal gap only with full connectivity', async () => {
    const img = label2d(['01110', '10001', '10001', '01110']);
    expect(picture(await new FillHoles({ connectivity: 1 }).apply(img))).toEqual([
      '01110',
      '11111',
      '11111',
      '01110',
    ]);
    expect(
      picture(
        await new FillHolesd({ keys: 'l', connectivity: 2 }).apply({ l: img }).then((d) => d.l as MetaImage),
      ),
    ).toEqual(['01110', '10001', '10001', '01110']);
  });

  it('draws the Laplace contour of a label, clamped to [0, 1]', async () => {
    const img = label2d(['00000', '01110', '01110', '01110', '00000']);
    expect(picture(await new LabelToContour().apply(img))).toEqual([
      '00000',
      '01110',
      '01010',
      '01110',
      '00000',
    ]);
    await expect(new LabelToContour().apply(image([1, 2], [1, 2]))).rejects.toThrow(/2D or 3D/);
  });
});

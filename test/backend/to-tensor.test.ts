import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorDTypeOf, tensorToImage, toTensor } from '../../src/backend/index.js';
import { type DType, allocArray } from '../../src/image/dtype.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { LoadImage } from '../../transforms/io/load-image.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A [2, 3, 2] image whose value at (c, x, y) is 100c + 10x + y. */
function twoChannel(dtype: DType = 'float32'): MetaImage {
  const data = allocArray(dtype, 12);
  let k = 0;
  for (let c = 0; c < 2; c++)
    for (let x = 0; x < 3; x++) for (let y = 0; y < 2; y++) data[k++] = 100 * c + 10 * x + y;
  return new MetaImage({ data, shape: [2, 3, 2], dtype });
}

describe('toTensor', () => {
  it('maps every image dtype to a tfjs dtype', () => {
    const expected: Record<DType, string> = {
      float32: 'float32',
      float64: 'float32',
      int8: 'int32',
      uint8: 'int32',
      int16: 'int32',
      uint16: 'int32',
      int32: 'int32',
      uint32: 'int32',
      bool: 'bool',
    };
    for (const [d, t] of Object.entries(expected) as [DType, string][]) {
      expect(tensorDTypeOf(d)).toBe(t);
      const img = new MetaImage({ data: allocArray(d, 4), shape: [1, 2, 2], dtype: d });
      const tensor = toTensor(img);
      expect(tensor.dtype).toBe(t);
      tensor.dispose();
    }
  });

  it('puts channels last by default and first on request', () => {
    const img = twoChannel();
    const last = toTensor(img);
    expect(last.shape).toEqual([3, 2, 2]);
    const v = last.arraySync() as number[][][];
    expect(v[2]![1]![1]).toBe(121); // x=2, y=1, c=1
    expect(v[1]![0]![0]).toBe(10);
    const first = toTensor(img, { layout: 'channelsFirst' });
    expect(first.shape).toEqual([2, 3, 2]);
    expect((first.arraySync() as number[][][])[1]![2]![1]).toBe(121);
    tf.dispose([last, first]);
  });

  it('rounds float64 to float32, keeps integers exact and wraps uint32 above 2^31 (documented)', () => {
    const f64 = new MetaImage({ data: new Float64Array([0.1, 1e-50, 2 ** 40 + 1]), shape: [1, 3] });
    const t = toTensor(f64);
    expect(Array.from(t.dataSync())).toEqual(Array.from(new Float32Array([0.1, 1e-50, 2 ** 40 + 1])));
    const i16 = new MetaImage({ data: new Int16Array([-32768, 32767, -1]), shape: [1, 3] });
    const u = toTensor(i16);
    expect(Array.from(u.dataSync())).toEqual([-32768, 32767, -1]);
    const u32 = new MetaImage({
      data: new Uint32Array([1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]),
      shape: [1, 4],
    });
    const w = toTensor(u32);
    expect(Array.from(w.dataSync())).toEqual([1, 2 ** 31 - 1, -(2 ** 31), -1]);
    tf.dispose([t, u, w]);
  });

  it('stores bool as 0/1 and honours a forced dtype', () => {
    const mask = new MetaImage({ data: new Uint8Array([0, 1, 1, 0]), shape: [1, 2, 2], dtype: 'bool' });
    const m = toTensor(mask);
    expect(m.dtype).toBe('bool');
    expect(Array.from(m.dataSync())).toEqual([0, 1, 1, 0]);
    const f = new MetaImage({ data: new Float32Array([-1.7, 2.9, NaN, 0]), shape: [1, 4] });
    const i = toTensor(f, { dtype: 'int32' });
    expect(Array.from(i.dataSync())).toEqual([-1, 2, 0, 0]);
    const b = toTensor(f, { dtype: 'bool' });
    expect(Array.from(b.dataSync())).toEqual([1, 1, 1, 0]);
    const asF = toTensor(mask, { dtype: 'float64' });
    expect(asF.dtype).toBe('float32');
    tf.dispose([m, i, b, asF]);
  });

  it('converts a real NIfTI volume, round-trips through tensorToImage and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const img = await new LoadImage({ ensureChannelFirst: true }).apply(
      'test/golden/inputs/synthetic/syn_phantom.nii.gz',
    );
    const t = toTensor(img);
    expect(t.shape).toEqual([...img.spatialShape, 1]);
    const back = await tensorToImage(t, { like: img });
    expect(back.shape).toEqual(img.shape);
    expect(back.data).toEqual(img.data);
    expect(Array.from(back.affine)).toEqual(Array.from(img.affine));
    const two = twoChannel('int16');
    const t2 = toTensor(two);
    const back2 = await tensorToImage(t2);
    expect(back2.dtype).toBe('int32');
    expect(Array.from(back2.data)).toEqual(Array.from(two.data));
    tf.dispose([t, t2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects what is not a MetaImage and bad layouts with clear errors', () => {
    expect(() => toTensor('img.nii' as never)).toThrow(/expects a MetaImage/);
    expect(() => toTensor(twoChannel(), { layout: 'NHWC' as never })).toThrow(
      /channelsLast' or 'channelsFirst/,
    );
  });
});

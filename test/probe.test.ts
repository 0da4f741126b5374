import { it } from 'vitest';
import * as T from '../transforms/index.js';
import { MetaImage } from '../src/image/meta-image.js';
const img = (dtype: 'int32' | 'float64' | 'float32' = 'int32', shape = [1, 4, 4, 4]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'int32' ? new Int32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = i % 7;
  return new MetaImage({ data, shape });
};
const tryit = async (name: string, f: () => Promise<unknown>) => {
  try { const r = await f(); console.log(name, '→', r); } catch (e) { console.log(name, 'THREW', (e as Error).message.slice(0, 200)); }
};
it('probe', async () => {
  await tryit('Spacing int32 identity', async () => (await new T.Spacing({ pixdim: [1, 1, 1] }).apply(img())).dtype);
  await tryit('Spacing int32 2mm', async () => (await new T.Spacing({ pixdim: [2, 2, 2] }).apply(img())).dtype);
  await tryit('Resize -1 f64', async () => (await new T.Resize({ spatialSize: [-1, 8, 8] }).apply(img('float64'))).dtype);
  await tryit('SIRP dtype', async () => (await new T.ScaleIntensityRangePercentiles({ lower: 0, upper: 100, bMin: 0, bMax: 1, dtype: 'float64' } as any).apply(img('float32'))).dtype);
  await tryit('CopyItemsd times names null', async () => Object.keys(await new T.CopyItemsd({ keys: ['a'], times: 2, names: null } as any).apply({ a: img() })));
  await tryit('Activations dim', async () => (await new T.Activations({ softmax: true, dim: 1 } as any).apply(img('float32', [2, 3, 2]))).data.slice(0, 4));
  await tryit('KLCC numComponents 0', async () => (await new T.KeepLargestConnectedComponent({ numComponents: 0 } as any).apply(img('float32'))).data.slice(0, 8));
  await tryit('SpatialCrop extra', async () => (await new T.SpatialCrop({ roiStart: [0, 0, 0, 0], roiEnd: [2, 2, 2, 2] } as any).apply(img())).shape);
  await tryit('CropForeground zero', async () => (await new T.CropForeground({} as any).apply(new MetaImage({ data: new Float32Array(8), shape: [1, 2, 2, 2] }))).shape);
  await tryit('CropForeground returnCoords', async () => (await new T.CropForeground({ returnCoords: true } as any).apply(img('float32'))));
  await tryit('RWPOC constantValues', async () => (await new T.ResizeWithPadOrCrop({ spatialSize: [6, 6, 6], mode: 'constant', constantValues: 3 } as any).apply(img('float32'))).data[0]);
  await tryit('RWPOC unknown', async () => (await new T.ResizeWithPadOrCrop({ spatialSize: [6, 6, 6], bogus: 1 } as any).apply(img('float32'))).shape);
  await tryit('SpatialPad median', async () => (await new T.SpatialPad({ spatialSize: [6, 6, 6], mode: 'median' } as any).apply(img('float32'))).data[0]);
  await tryit('SpatialPad constantValues per axis', async () => (await new T.SpatialPad({ spatialSize: [6, 6, 6], mode: 'constant', constantValues: [[1, 2], [3, 4], [5, 6]] } as any).apply(img('float32'))).data[0]);
  await tryit('Spacing mode 1', async () => (await new T.Spacing({ pixdim: [2, 2, 2], mode: 1 } as any).apply(img('float32'))).shape);
  await tryit('RandGaussianSmooth scalespace', async () => (await new T.RandGaussianSmooth({ prob: 1, approx: 'scalespace' } as any).apply(img('float32'))).shape);
  await tryit('Orientation 4d', async () => (await new T.Orientation({ axcodes: 'RAS' } as any).apply(img('float32', [1, 2, 2, 2, 2]))).shape);
  await tryit('Spacing 4d', async () => (await new T.Spacing({ pixdim: [1, 1, 1] } as any).apply(img('float32', [1, 2, 2, 2, 2]))).shape);
});

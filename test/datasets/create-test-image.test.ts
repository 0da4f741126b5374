import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestImage2d, createTestImage3d } from '../../datasets/index.js';
import { CscMlopsError } from '../../src/errors.js';
import { readNpy } from '../../src/io/numpy.js';
import { RandomState } from '../../src/random/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/synthetic-images');

describe('createTestImage2d/3d (MONAI create_test_image_2d/3d, same draws)', () => {
  it('2D, MONAI defaults, RandomState(0): the same image and labels as numpy', async () => {
    const { image, label, shape } = createTestImage2d(80, 72, { randomState: new RandomState(0) });
    const img = await readNpy(join(FIXTURES, 'img2d_seed0.npy'));
    const lab = await readNpy(join(FIXTURES, 'lab2d_seed0.npy'));
    expect(shape).toEqual(img.shape);
    expect(Array.from(label)).toEqual(Array.from(lab.data as ArrayLike<number>));
    expect(Array.from(image)).toEqual(Array.from(img.data as ArrayLike<number>));
  });

  it('3D with noise, one class, seed 42 given as a number', async () => {
    const { image, label, shape } = createTestImage3d(24, 28, 32, {
      numObjs: 5,
      radMax: 10,
      radMin: 2,
      noiseMax: 0.3,
      numSegClasses: 1,
      randomState: 42,
    });
    const img = await readNpy(join(FIXTURES, 'img3d_seed42.npy'));
    const lab = await readNpy(join(FIXTURES, 'lab3d_seed42.npy'));
    expect(shape).toEqual([24, 28, 32]);
    expect(Array.from(label)).toEqual(Array.from(lab.data as ArrayLike<number>));
    expect(Array.from(image)).toEqual(Array.from(img.data as ArrayLike<number>));
  });

  it('adds a channel axis and refuses what MONAI refuses', () => {
    expect(createTestImage2d(64, 64, { radMax: 10, channelDim: 0, randomState: 1 }).shape).toEqual([
      1, 64, 64,
    ]);
    expect(createTestImage3d(32, 32, 32, { radMax: 10, channelDim: -1, randomState: 1 }).shape).toEqual([
      32, 32, 32, 1,
    ]);
    expect(() => createTestImage2d(40, 40)).toThrow(CscMlopsError); // 40 <= 2 * 30
    expect(() => createTestImage2d(64, 64, { radMax: 5, radMin: 5 })).toThrow(CscMlopsError);
    expect(() => createTestImage2d(64, 64, { radMax: 10, channelDim: 1 })).toThrow(CscMlopsError);
  });
});

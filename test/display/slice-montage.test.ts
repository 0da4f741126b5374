import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { colormapLut, labelColor } from '../../src/display/colormap.js';
import { percentile } from '../../src/display/intensity-window.js';
import { renderSliceMontage, sliceMontage } from '../../src/display/slice-montage.js';
import { LoadImage } from '../../transforms/io/load-image.js';
import { GOLDEN_DIR } from '../support/golden.js';

/** [1, 4, 3, 5] volume whose voxel (x, y, z) holds 100·x + 10·y + z. */
function ramp(): MetaImage {
  const data = new Float32Array(4 * 3 * 5);
  for (let x = 0; x < 4; x++)
    for (let y = 0; y < 3; y++) for (let z = 0; z < 5; z++) data[(x * 3 + y) * 5 + z] = 100 * x + 10 * y + z;
  return new MetaImage({ data, shape: [1, 4, 3, 5] });
}

const px = (r: { width: number; rgb: Uint8Array }, x: number, y: number) =>
  Array.from(r.rgb.subarray((y * r.width + x) * 3, (y * r.width + x) * 3 + 3));

describe('sliceMontage', () => {
  it('lays out axial slices: x left to right, y bottom to top, window maps linearly', () => {
    const r = renderSliceMontage(ramp(), { slices: [1, 3], window: { center: 255 / 2, width: 255 }, gap: 1 });
    // two tiles of 4 × 3 side by side, one gap column
    expect([r.width, r.height]).toEqual([9, 3]);
    expect(r.slices).toEqual([1, 3]);
    expect(r.range).toEqual([0, 255]);
    // tile 0 (z = 1): top-left pixel is x = 0, y = 2 → 21; bottom-right x = 3, y = 0 → 301 → clipped 255
    expect(px(r, 0, 0)).toEqual([21, 21, 21]);
    expect(px(r, 0, 2)).toEqual([1, 1, 1]);
    expect(px(r, 1, 2)).toEqual([101, 101, 101]);
    expect(px(r, 3, 2)).toEqual([255, 255, 255]);
    expect(px(r, 4, 1)).toEqual([0, 0, 0]); // the gap
    // tile 1 (z = 3) starts at column 5
    expect(px(r, 5, 0)).toEqual([23, 23, 23]);
    expect(px(r, 6, 1)).toEqual([113, 113, 113]);
  });

  it('slices across x and y, zooms, and picks evenly spaced slices by default', () => {
    const sag = renderSliceMontage(ramp(), {
      axis: 0,
      slices: [2],
      window: { center: 127.5, width: 255 },
      zoom: 2,
    });
    // in-plane axes y (3 → 6 px wide) and z (5 → 10 px high); top row is z = 4
    expect([sag.width, sag.height]).toEqual([6, 10]);
    expect(px(sag, 0, 0)).toEqual([204, 204, 204]);
    expect(px(sag, 1, 1)).toEqual([204, 204, 204]);
    expect(px(sag, 2, 0)).toEqual([214, 214, 214]);
    const auto = renderSliceMontage(ramp(), { slices: 3 });
    expect(auto.slices).toEqual([1, 2, 3]);
    const all = renderSliceMontage(ramp(), { slices: 50 });
    expect(all.slices).toEqual([0, 1, 2, 3, 4]);
  });

  it('draws a label overlay with its colour and opacity; 0 stays transparent', () => {
    const img = ramp();
    const lab = new Float32Array(img.size);
    lab[(0 * 3 + 2) * 5 + 1] = 2; // x 0, y 2, z 1: top-left pixel of the z = 1 tile
    const overlay = new MetaImage({ data: lab, shape: [1, 4, 3, 5] });
    const r = renderSliceMontage(img, {
      slices: [1],
      window: { center: 127.5, width: 255 },
      overlay,
      opacity: 0.5,
    });
    const c = labelColor(2);
    expect(px(r, 0, 0)).toEqual([0, 1, 2].map((k) => Math.round(0.5 * 21 + 0.5 * c[k]!)));
    expect(px(r, 1, 0)).toEqual([121, 121, 121]);
    const custom = renderSliceMontage(img, {
      slices: [1],
      window: { center: 127.5, width: 255 },
      overlay,
      opacity: 1,
      overlayColors: { 2: [1, 2, 3] },
    });
    expect(px(custom, 0, 0)).toEqual([1, 2, 3]);
  });

  it('percentile windows follow numpy and colormaps are applied', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([NaN, 5, Infinity], 10)).toBe(5);
    const r = renderSliceMontage(ramp(), { slices: [0], percentiles: [0, 100], colormap: 'hot' });
    expect(r.range).toEqual([0, 320]);
    const lut = colormapLut('hot');
    expect(px(r, 3, 2)).toEqual(Array.from(lut.subarray(3 * 239, 3 * 240))); // 300/320·255 = 239.06
  });

  it('encodes a PNG of a real NIfTI volume with the expected size and pixels', async () => {
    const img = await new LoadImage({ ensureChannelFirst: true }).apply(
      join(GOLDEN_DIR, 'inputs', 'aal', 'ch2_3mm.nii.gz'),
    );
    const [, x, y] = img.shape as [number, number, number, number];
    const png = sliceMontage(img, { slices: 4, columns: 2, gap: 0 });
    const decoded = decode(png);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([2 * x, 2 * y, 3]);
    const r = renderSliceMontage(img, { slices: 4, columns: 2, gap: 0 });
    expect(Buffer.from(decoded.data as Uint8Array).equals(Buffer.from(r.rgb))).toBe(true);
    // every pixel of tile 3 (bottom right) is its voxel through the percentile window
    const [lo, hi] = r.range;
    const z = r.slices[3]!;
    for (const [i, row] of [
      [0, 0],
      [5, 7],
      [x - 1, y - 1],
      [13, 20],
    ] as const) {
      const v = img.data[(i * y + (y - 1 - row)) * 18 + z]!;
      const g = Math.min(255, Math.max(0, Math.round(((v - lo) * 255) / (hi - lo))));
      expect(px(r, x + i, y + row)).toEqual([g, g, g]);
    }
    expect(r.slices).toEqual([3, 7, 10, 14]); // numpy linspace(0, 17, 6)[1:-1] rounded
  });

  it('refuses options that do not fit the image, with what to do', () => {
    const img = ramp();
    expect(() => renderSliceMontage(img, { slices: [7] })).toThrow(ConfigError);
    expect(() => renderSliceMontage(img, { channel: 1 })).toThrow(/1 channel/);
    expect(() => renderSliceMontage(img, { window: { center: 0, width: 0 } })).toThrow(/width > 0/);
    const small = new MetaImage({ data: new Float32Array(6), shape: [1, 2, 3] });
    expect(() => renderSliceMontage(small, { slices: 2 })).toThrow(/3-D/);
    expect(() =>
      renderSliceMontage(img, { overlay: new MetaImage({ data: new Float32Array(6), shape: [1, 2, 3, 1] }) }),
    ).toThrow(/resample/);
    expect(() => colormapLut('jet' as never)).toThrow(/gray/);
  });
});

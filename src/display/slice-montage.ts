import { encode } from 'fast-png';
import { ConfigError } from '../errors.js';
import { MetaImage, stridesOf } from '../image/meta-image.js';
import { type Colormap, type Rgb, colormapLut, labelColor } from './colormap.js';
import { type DisplayWindow, displayRange } from './intensity-window.js';

/** Options of {@link sliceMontage}. */
export interface SliceMontageOptions {
  /** Spatial axis to slice across (0 = x, 1 = y, 2 = z); default the last (axial for RAS volumes). */
  axis?: 0 | 1 | 2;
  /** How many evenly spaced slices (default 9, edges excluded), or the slice indices to show. */
  slices?: number | readonly number[];
  /** Which channel to show (default 0). */
  channel?: number;
  /** Window/level; when absent the range comes from `percentiles` of the shown slices. */
  window?: DisplayWindow;
  /** Percentiles [low, high] of the shown voxels mapped to black and white (default [0.5, 99.5]). */
  percentiles?: readonly [number, number];
  /** Intensity colormap (default `gray`). */
  colormap?: Colormap;
  /**
   * A label image with the same spatial shape, drawn over the image: 0 is background, each other value gets
   * its own colour ({@link labelColor}). A one-hot (multi-channel) label is shown as its argmax.
   */
  overlay?: MetaImage;
  /** Overlay opacity, 0–1 (default 0.4). */
  opacity?: number;
  /** Colour per label value, replacing the default palette for those labels. */
  overlayColors?: Readonly<Record<number, Rgb>>;
  /** Tiles per row (default: ceil(√slices)). */
  columns?: number;
  /** Integer magnification, nearest neighbour (default 1). */
  zoom?: number;
  /** Black pixels between tiles (default 2). */
  gap?: number;
}

/** An RGB raster (3 bytes a pixel, rows top to bottom) and what it shows. */
export interface MontageRaster {
  width: number;
  height: number;
  /** `width * height * 3` bytes. */
  rgb: Uint8Array;
  /** The slice index of each tile, row by row (`[0]` for a 2-D image). */
  slices: number[];
  /** The intensities mapped to the colormap's ends. */
  range: [number, number];
}

interface Plane {
  /** in-plane axes of the spatial shape: a runs left → right, b bottom → top */
  a: number;
  b: number;
  axis: number | undefined;
}

function evenlySpaced(count: number, size: number): number[] {
  if (count >= size) return Array.from({ length: size }, (_, i) => i);
  // numpy: linspace(0, size - 1, count + 2)[1:-1], rounded
  return Array.from({ length: count }, (_, i) => Math.round(((i + 1) * (size - 1)) / (count + 1)));
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min)
    throw new ConfigError(`${name} must be an integer >= ${min} (got ${v})`);
}

/** Reads one slice as a Float64Array in display order (row 0 = top = highest index along b). */
function readSlice(
  img: MetaImage,
  channel: number,
  plane: Plane,
  index: number,
): { values: Float64Array; w: number; h: number } {
  const st = stridesOf(img.shape);
  const sp = img.spatialShape;
  const w = sp[plane.a]!;
  const h = sp[plane.b]!;
  const sa = st[plane.a + 1]!;
  const sb = st[plane.b + 1]!;
  let base = channel * st[0]!;
  if (plane.axis !== undefined) base += index * st[plane.axis + 1]!;
  const values = new Float64Array(w * h);
  const data = img.data;
  for (let row = 0; row < h; row++) {
    const j = h - 1 - row;
    for (let i = 0; i < w; i++) values[row * w + i] = Number(data[base + i * sa + j * sb]!);
  }
  return { values, w, h };
}

/** The label of each pixel of one overlay slice (argmax for one-hot labels). */
function readLabels(overlay: MetaImage, plane: Plane, index: number): Int32Array {
  const c = overlay.numChannels;
  let labels: Int32Array | undefined;
  let best: Float64Array | undefined;
  for (let ch = 0; ch < c; ch++) {
    const { values } = readSlice(overlay, ch, plane, index);
    if (c === 1) return Int32Array.from(values, (v) => (Number.isFinite(v) ? Math.round(v) : 0));
    labels ??= new Int32Array(values.length);
    best ??= new Float64Array(values.length).fill(-Infinity);
    for (let p = 0; p < values.length; p++)
      if (values[p]! > best[p]!) {
        best[p] = values[p]!;
        labels[p] = ch;
      }
  }
  return labels ?? new Int32Array(0);
}

/**
 * Renders slices of a channel-first image as one RGB raster: the first in-plane axis runs left to right and
 * the second bottom to top, in voxel-index order (no reorientation: a RAS volume appears in neurological
 * convention). Throws a {@link ConfigError} for options that do not fit the image.
 */
export function renderSliceMontage(image: MetaImage, options: SliceMontageOptions = {}): MontageRaster {
  if (!MetaImage.isMetaImage(image)) throw new ConfigError('sliceMontage needs a MetaImage (channel first)');
  const n = image.spatialDims;
  if (n < 2 || n > 3) throw new ConfigError(`sliceMontage shows 2-D or 3-D images, not ${n}-D`);
  const channel = options.channel ?? 0;
  checkInt('channel', channel, 0);
  if (channel >= image.numChannels)
    throw new ConfigError(`channel ${channel} does not exist: the image has ${image.numChannels} channel(s)`);
  const zoom = options.zoom ?? 1;
  checkInt('zoom', zoom, 1);
  const gap = options.gap ?? 2;
  checkInt('gap', gap, 0);
  const opacity = options.opacity ?? 0.4;
  if (!(opacity >= 0 && opacity <= 1)) throw new ConfigError(`opacity must be in [0, 1] (got ${opacity})`);
  const sp = image.spatialShape;

  let plane: Plane;
  let indices: number[];
  if (n === 2) {
    if (options.axis !== undefined || options.slices !== undefined)
      throw new ConfigError('axis and slices apply to 3-D images; this image is 2-D');
    plane = { a: 0, b: 1, axis: undefined };
    indices = [0];
  } else {
    const axis = options.axis ?? 2;
    if (![0, 1, 2].includes(axis)) throw new ConfigError(`axis must be 0, 1 or 2 (got ${axis})`);
    const [a, b] = [0, 1, 2].filter((k) => k !== axis) as [number, number];
    plane = { a, b, axis };
    const size = sp[axis]!;
    const slices = options.slices ?? 9;
    if (typeof slices === 'number') {
      checkInt('slices', slices, 1);
      indices = evenlySpaced(slices, size);
    } else {
      if (slices.length === 0) throw new ConfigError('slices is an empty list');
      for (const s of slices)
        if (!Number.isInteger(s) || s < 0 || s >= size)
          throw new ConfigError(`slice ${s} is outside axis ${axis} (0 to ${size - 1})`);
      indices = [...slices];
    }
  }
  const overlay = options.overlay;
  if (overlay !== undefined) {
    const os = overlay.spatialShape;
    if (os.length !== sp.length || os.some((s, i) => s !== sp[i]))
      throw new ConfigError(
        `overlay spatial shape [${os.join(', ')}] differs from the image's [${sp.join(', ')}]: resample it first`,
      );
  }

  const tiles = indices.map((i) => readSlice(image, channel, plane, i));
  const all = new Float64Array(tiles.reduce((s, t) => s + t.values.length, 0));
  let off = 0;
  for (const t of tiles) {
    all.set(t.values, off);
    off += t.values.length;
  }
  const range = displayRange(all, options.window, options.percentiles);
  const lut = colormapLut(options.colormap ?? 'gray');

  const columns = options.columns ?? Math.ceil(Math.sqrt(tiles.length));
  checkInt('columns', columns, 1);
  const rows = Math.ceil(tiles.length / columns);
  const tw = sp[plane.a]! * zoom;
  const th = sp[plane.b]! * zoom;
  const width = columns * tw + (columns - 1) * gap;
  const height = rows * th + (rows - 1) * gap;
  const rgb = new Uint8Array(width * height * 3);
  const [lo, hi] = range;
  const scale = 255 / (hi - lo);
  const colors = new Map<number, Rgb>();
  const colorOf = (label: number): Rgb => {
    let c = colors.get(label);
    if (!c) {
      c = options.overlayColors?.[label] ?? labelColor(label);
      colors.set(label, c);
    }
    return c;
  };

  tiles.forEach((tile, t) => {
    const labels = overlay ? readLabels(overlay, plane, indices[t]!) : undefined;
    const x0 = (t % columns) * (tw + gap);
    const y0 = Math.floor(t / columns) * (th + gap);
    for (let row = 0; row < tile.h; row++)
      for (let i = 0; i < tile.w; i++) {
        const p = row * tile.w + i;
        const v = tile.values[p]!;
        const k = Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, Math.round((v - lo) * scale)));
        let r = lut[3 * k]!;
        let g = lut[3 * k + 1]!;
        let b = lut[3 * k + 2]!;
        const label = labels?.[p] ?? 0;
        if (label !== 0) {
          const c = colorOf(label);
          r = Math.round((1 - opacity) * r + opacity * c[0]);
          g = Math.round((1 - opacity) * g + opacity * c[1]);
          b = Math.round((1 - opacity) * b + opacity * c[2]);
        }
        for (let dy = 0; dy < zoom; dy++) {
          let q = ((y0 + row * zoom + dy) * width + x0 + i * zoom) * 3;
          for (let dx = 0; dx < zoom; dx++, q += 3) {
            rgb[q] = r;
            rgb[q + 1] = g;
            rgb[q + 2] = b;
          }
        }
      }
  });
  return { width, height, rgb, slices: plane.axis === undefined ? [0] : indices, range };
}

/** Encodes an RGB raster as PNG bytes (fast-png). */
export function encodeRgbPng(raster: Pick<MontageRaster, 'width' | 'height' | 'rgb'>): Uint8Array {
  return encode({ width: raster.width, height: raster.height, data: raster.rgb, channels: 3, depth: 8 });
}

/**
 * Slices of a `MetaImage` as a PNG montage, with an optional label overlay: what a MONAI user looks at
 * before trusting a pipeline (did Orientation flip it, did the crop land on the organ, is the label aligned).
 *
 * @example
 * const png = sliceMontage(image, { axis: 2, slices: 6, overlay: label, opacity: 0.5 });
 * await writeFile('montage.png', png);
 */
export function sliceMontage(image: MetaImage, options: SliceMontageOptions = {}): Uint8Array {
  return encodeRgbPng(renderSliceMontage(image, options));
}

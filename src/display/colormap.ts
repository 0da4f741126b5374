import { rgb } from 'd3-color';
import {
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolateViridis,
  schemeTableau10,
} from 'd3-scale-chromatic';
import { ConfigError } from '../errors.js';

/** Colormaps for image intensities: `gray` (default), `hot`, `bone`, or a perceptual map from d3. */
export type Colormap = 'gray' | 'hot' | 'bone' | 'viridis' | 'magma' | 'inferno' | 'plasma';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

const COLORMAPS: readonly Colormap[] = ['gray', 'hot', 'bone', 'viridis', 'magma', 'inferno', 'plasma'];
const luts = new Map<Colormap, Uint8Array>();

function fromInterpolator(f: (t: number) => string): (t: number) => Rgb {
  return (t) => {
    const c = rgb(f(t));
    return [c.r, c.g, c.b];
  };
}

const ramp = (t: number, a: number, b: number) => Math.min(1, Math.max(0, (t - a) / (b - a)));

const GENERATORS: Record<Colormap, (t: number) => Rgb> = {
  gray: (t) => [t * 255, t * 255, t * 255],
  // matplotlib's `hot`: red, then green, then blue ramps
  hot: (t) => [ramp(t, 0, 0.365) * 255, ramp(t, 0.365, 0.746) * 255, ramp(t, 0.746, 1) * 255],
  // matplotlib's `bone`: gray with a blue tint, (7 gray + hot reversed channels) / 8
  bone: (t) => {
    const h = [ramp(t, 0, 0.365), ramp(t, 0.365, 0.746), ramp(t, 0.746, 1)];
    return [((7 * t + h[2]!) / 8) * 255, ((7 * t + h[1]!) / 8) * 255, ((7 * t + h[0]!) / 8) * 255];
  },
  viridis: fromInterpolator(interpolateViridis),
  magma: fromInterpolator(interpolateMagma),
  inferno: fromInterpolator(interpolateInferno),
  plasma: fromInterpolator(interpolatePlasma),
};

/**
 * The 256-entry RGB lookup table of a colormap (`lut[3 * i + c]`, i = 0 for the low end of the window).
 * Throws a {@link ConfigError} for an unknown name.
 */
export function colormapLut(name: Colormap): Uint8Array {
  const cached = luts.get(name);
  if (cached) return cached;
  const gen = GENERATORS[name] as ((t: number) => Rgb) | undefined;
  if (!gen) throw new ConfigError(`unknown colormap '${String(name)}': use one of ${COLORMAPS.join(', ')}`);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = gen(i / 255);
    for (let k = 0; k < 3; k++) lut[3 * i + k] = Math.round(c[k]!);
  }
  luts.set(name, lut);
  return lut;
}

/**
 * The colour of label value `label` in an overlay: Tableau 10 (as matplotlib's `tab10`), cycling for
 * labels above 10. Label 0 is background and is not drawn.
 */
export function labelColor(label: number): Rgb {
  const c = rgb(schemeTableau10[(Math.max(1, Math.round(label)) - 1) % schemeTableau10.length]!);
  return [c.r, c.g, c.b];
}

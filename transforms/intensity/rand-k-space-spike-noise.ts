import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import type { DataItem } from '../transform.js';
import { fftNd } from '../../src/image/fft.js';
import { editSpectrum } from './k-space.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/** One spike: channel, fftshift-ed k-space coordinates, and the log-magnitude to set there. */
export interface KSpaceSpike {
  channel: number;
  loc: number[];
  logIntensity: number;
}

/**
 * MONAI `KSpaceSpikeNoise`: in each spike's channel the k-space magnitude at `loc` becomes
 * `exp(logIntensity)`, its phase kept; float32 out.
 */
export function kSpaceSpikeNoise(img: MetaImage, spikes: readonly KSpaceSpike[]): MetaImage {
  return editSpectrum(img, (k, c) => {
    for (const s of spikes) {
      if (s.channel !== c) continue;
      const i = k.indexOfShifted(s.loc);
      const phase = Math.atan2(k.im[i] as number, k.re[i] as number);
      const mag = Math.exp(s.logIntensity);
      k.re[i] = mag * Math.cos(phase);
      k.im[i] = mag * Math.sin(phase);
    }
  });
}

/** Options of {@link RandKSpaceSpikeNoise}. */
export interface RandKSpaceSpikeNoiseOptions extends RandomizableOptions {
  /**
   * Range of the spike's log-intensity: one `[min, max]`, or one per channel; default per channel
   * `[0.95, 1.1] × 2.5 × mean(log |k|)`.
   */
  intensityRange?: readonly [number, number] | readonly (readonly [number, number])[] | null;
  /** One spike location per channel (default true); false puts every channel's spike at one location. */
  channelWise?: boolean;
}

/**
 * k-space spike (herringbone) artefact (MONAI `RandKSpaceSpikeNoise`): `R.rand() < prob`, then per
 * channel `R.randint(0, n)` per spatial axis and `R.uniform(range)` (channelWise), or one location
 * and intensities for all channels. Unlike MONAI, which keeps appending to its lists of spikes on every
 * call, each call here uses only its own spikes.
 *
 * @example
 * await new RandKSpaceSpikeNoise({ prob: 1, intensityRange: [9, 11] }).setRandomState(0).apply(img);
 */
export class RandKSpaceSpikeNoise extends RandImageTransform<RandKSpaceSpikeNoiseOptions> {
  /** The spikes of the last draw. */
  spikes: KSpaceSpike[] = [];

  constructor(options: RandKSpaceSpikeNoiseOptions = {}) {
    const r = options.intensityRange;
    if (r !== undefined && r !== null && Array.isArray(r[0]) && options.channelWise === false)
      throw new TransformError(
        'RandKSpaceSpikeNoise',
        undefined,
        'per-channel intensityRange needs channelWise: true',
      );
    super(options);
  }

  private ranges(img: MetaImage): [number, number][] {
    const r = this.options.intensityRange;
    if (r === undefined || r === null) {
      const sp = img.spatialShape;
      const per = sp.reduce((a, b) => a * b, 1);
      return Array.from({ length: img.numChannels }, (_, c) => {
        const re = Float64Array.from(img.data.subarray(c * per, (c + 1) * per) as ArrayLike<number>);
        const im = new Float64Array(per);
        fftNd(re, im, sp);
        let sum = 0;
        for (let i = 0; i < per; i++) sum += Math.log(Math.hypot(re[i] as number, im[i] as number) + 1e-10);
        const m = (sum / per) * 2.5;
        return [m * 0.95, m * 1.1];
      });
    }
    if (Array.isArray(r[0])) return (r as readonly (readonly [number, number])[]).map((p) => [p[0], p[1]]);
    const p = r as readonly [number, number];
    return Array.from({ length: img.numChannels }, () => [p[0], p[1]]);
  }

  randomizeFor(img: MetaImage): void {
    const ranges = this.ranges(img);
    this.randomize();
    if (!this.doTransform) return;
    const sp = img.spatialShape;
    this.spikes = [];
    if (this.options.channelWise ?? true) {
      for (let c = 0; c < img.numChannels; c++) {
        const loc = sp.map((n) => this.R.randint(0, n));
        const [lo, hi] = ranges[c] as [number, number];
        this.spikes.push({ channel: c, loc, logIntensity: this.R.uniform(lo, hi) });
      }
    } else {
      const loc = sp.map((n) => this.R.randint(0, n));
      const perChannel = Array.isArray(this.options.intensityRange?.[0]);
      const first = ranges[0] as [number, number];
      const one = perChannel ? 0 : this.R.uniform(first[0], first[1]);
      for (let c = 0; c < img.numChannels; c++) {
        const [lo, hi] = ranges[c] as [number, number];
        this.spikes.push({ channel: c, loc, logIntensity: perChannel ? this.R.uniform(lo, hi) : one });
      }
    }
  }

  transformImage(img: MetaImage): MetaImage {
    return kSpaceSpikeNoise(img, this.spikes);
  }
}

/** Options of {@link RandKSpaceSpikeNoised}. */
export interface RandKSpaceSpikeNoisedOptions extends MapTransformOptions, RandKSpaceSpikeNoiseOptions {}

/** Dictionary twin of {@link RandKSpaceSpikeNoise}: new spikes for each key (as MONAI). */
export class RandKSpaceSpikeNoised extends RandImageMapTransform<
  RandKSpaceSpikeNoise,
  RandKSpaceSpikeNoisedOptions
> {
  constructor(options: RandKSpaceSpikeNoisedOptions) {
    super(
      options,
      new RandKSpaceSpikeNoise(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })),
    );
  }

  /** The first key uses the inner draw the base made; every further key draws again. */
  protected override transformKey(img: MetaImage, key: string, d: DataItem): MetaImage {
    return key === this.keyIterator(d)[0] ? this.inner.transformImage(img) : this.inner.run(img, true);
  }
}

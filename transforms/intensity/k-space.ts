/**
 * k-space helpers shared by the Gibbs and spike noise transforms (MONAI's `Fourier` mixin): per channel,
 * `fftshift(fftn(x))` over the spatial axes, edited, and back with `ifftn(ifftshift(k)).real`.
 */
import { fftNd } from '../../src/image/fft.js';
import { type MetaImage, stridesOf } from '../../src/image/meta-image.js';

/** One channel's spectrum (unshifted, float64) and a way to address it by fftshift-ed coordinates. */
export interface Spectrum {
  re: Float64Array;
  im: Float64Array;
  /** Flat index of the voxel at fftshift-ed coordinates `s`. */
  indexOfShifted(s: readonly number[]): number;
}

/**
 * Runs `edit` on each channel's spectrum and returns the float32 real part of the inverse transform
 * (MONAI: `convert_to_dst_type(inv_shift_fourier(...))`, float32 for float32 images).
 */
export function editSpectrum(img: MetaImage, edit: (k: Spectrum, channel: number) => void): MetaImage {
  const sp = img.spatialShape;
  const per = sp.reduce((a, b) => a * b, 1);
  const strides = stridesOf(sp);
  const out = new Float32Array(img.size);
  for (let c = 0; c < img.numChannels; c++) {
    const re = Float64Array.from(img.data.subarray(c * per, (c + 1) * per) as ArrayLike<number>);
    const im = new Float64Array(per);
    fftNd(re, im, sp);
    edit(
      {
        re,
        im,
        indexOfShifted: (s) =>
          s.reduce((acc, v, a) => {
            const n = sp[a] as number;
            return acc + ((((v - Math.floor(n / 2)) % n) + n) % n) * (strides[a] as number);
          }, 0),
      },
      c,
    );
    fftNd(re, im, sp, true);
    out.set(re, c * per);
  }
  return img.clone({ data: out, dtype: 'float32' });
}

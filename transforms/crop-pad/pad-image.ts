import type { AppliedOperation, MetaImage } from '../../src/image/meta-image.js';
import { pushOperation } from '../invertible.js';
import { fail } from '../keyed-errors.js';
import { cropImage, translateAffine } from './crop-image.js';
import { type PadMode, type PadValue, type PadWidth, canonicalPadMode, padArray } from './pad-array.js';

/** Options of {@link padImage}. */
export interface PadImageOptions {
  /** Padding mode (default `'constant'`). */
  mode?: PadMode;
  /** Fill value of `'constant'` padding (default 0; per axis allowed, see {@link PadValue}). */
  value?: PadValue;
  /** Record the operation under this class name (MONAI's `pad_func` trace); `null`/missing: no trace. */
  traceClass?: string | null;
}

/**
 * Pads a channel-first image by `toPad` (`[[0, 0], [before, after], ...]`, the channel axis first,
 * as MONAI's `pad_func`): the affine is translated by −before and, when `traceClass` is given, the
 * operation is recorded with `extra_info = { padded: toPad, mode }` (also when nothing is padded,
 * as MONAI). The data array is shared with the input when nothing is padded; the input is not modified.
 */
export function padImage(img: MetaImage, toPad: PadWidth, options: PadImageOptions = {}): MetaImage {
  const mode = options.mode ?? 'constant';
  canonicalPadMode(mode);
  if (toPad.length > img.shape.length)
    fail(
      options.traceClass ?? 'padImage',
      `pad width has ${toPad.length} entries for a ${img.shape.length}-D image`,
    );
  const full = img.shape.map((_, i) => {
    const p = toPad[i] ?? [0, 0];
    return [p[0], p[1]] as [number, number];
  });
  const { data, shape } = padArray(img.data, img.shape, full, mode, options.value ?? 0);
  const doPad = full.some(([a, b]) => a !== 0 || b !== 0);
  const affine = doPad
    ? translateAffine(
        img.affine,
        full.slice(1).map(([b]) => -b),
      )
    : img.affine.slice();
  const out = img.clone({ data, shape, dtype: img.dtype, affine });
  if (options.traceClass !== undefined && options.traceClass !== null)
    pushOperation(out, options.traceClass, img.spatialShape, {
      padded: full.map((p) => [...p]),
      mode: String(mode),
    });
  return out;
}

/**
 * Undoes a padding recorded as `op` (MONAI `Pad.inverse`): crops the padded amounts away (no trace).
 * The caller pops `op` from the trace first.
 */
export function invertPad(img: MetaImage, op: AppliedOperation): MetaImage {
  const padded = op.extra_info.padded;
  if (!Array.isArray(padded) || padded.length !== img.shape.length)
    fail(
      op.class,
      `cannot invert: the trace's 'padded' entry ${JSON.stringify(padded)} does not fit a ${img.shape.length}-D image`,
    );
  const pairs = (padded as unknown[]).map((p) =>
    Array.isArray(p) ? [Number(p[0]), Number(p[1])] : [NaN, NaN],
  );
  if (pairs.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b)))
    fail(op.class, `cannot invert: malformed 'padded' entry ${JSON.stringify(padded)}`);
  let src = img;
  const [c0, c1] = pairs[0] as number[];
  if ((c0 as number) > 0 || (c1 as number) > 0) {
    // Channel padding (only the generic Pad can add it): drop the padded channels.
    const keep = img.numChannels - (c0 as number) - (c1 as number);
    if (keep < 0) fail(op.class, 'cannot invert: more padded channels than the image has');
    const per = img.size / Math.max(1, img.numChannels);
    src = img.clone({
      data: img.data.slice((c0 as number) * per, ((c0 as number) + keep) * per),
      shape: [keep, ...img.spatialShape],
      dtype: img.dtype,
    });
  }
  const slices = pairs
    .slice(1)
    .map(([b, a], i) => [b as number, (src.spatialShape[i] as number) - (a as number)] as [number, number]);
  return cropImage(src, slices, null);
}

import type { AppliedOperation } from '../../src/image/meta-image.js';
import { MetaImage, copyMeta, copyTrace } from '../../src/image/meta-image.js';
import { Compose } from '../compose.js';
import { type Invertible, isInvertible } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, isTransform, requireImage } from '../transform.js';
import { fail, withKeyAsync } from '../keyed-errors.js';
import { TRACE_NONE } from './common.js';

/** Interpolation modes that `nearestInterp` replaces (MONAI's InterpolateMode and GridSampleMode values). */
const INTERP_MODES = new Set([
  'nearest',
  'nearest-exact',
  'linear',
  'bilinear',
  'bicubic',
  'trilinear',
  'area',
]);

/**
 * MONAI `convert_applied_interp_mode`: a copy of a trace with every interpolation `mode` replaced by
 * `mode` and every `align_corners` by `alignCorners` (null → `'none'`). Padding modes are kept.
 */
export function convertAppliedInterpMode(
  trace: unknown,
  mode = 'nearest',
  alignCorners: boolean | null = null,
): unknown {
  if (Array.isArray(trace)) return trace.map((t) => convertAppliedInterpMode(t, mode, alignCorners));
  if (trace === null || typeof trace !== 'object' || ArrayBuffer.isView(trace)) return trace;
  const t: Record<string, unknown> = { ...(trace as Record<string, unknown>) };
  const hasMode = 'mode' in t;
  const hasAlign = 'align_corners' in t;
  if (hasMode) {
    const m = t.mode;
    if (Array.isArray(m)) t.mode = m.map((x) => (typeof x === 'string' && INTERP_MODES.has(x) ? mode : x));
    else if (typeof m === 'string' && INTERP_MODES.has(m)) t.mode = mode;
  }
  if (hasAlign) {
    const a = alignCorners === null ? TRACE_NONE : alignCorners;
    t.align_corners = Array.isArray(t.align_corners) ? t.align_corners.map(() => a) : a;
  }
  if (!hasMode && !hasAlign)
    for (const k of Object.keys(t)) t[k] = convertAppliedInterpMode(t[k], mode, alignCorners);
  return t;
}

/** Runs `fn` with `allowMissingKeys` switched on in every dictionary transform of `transform` (MONAI `allow_missing_keys_mode`). */
export async function withAllowMissingKeys<T>(transform: unknown, fn: () => Promise<T>): Promise<T> {
  const touched: { t: { allowMissingKeys: boolean }; was: boolean }[] = [];
  const visit = (t: unknown): void => {
    if (t instanceof Compose) {
      t.transforms.forEach(visit);
      return;
    }
    if (isTransform(t) && 'allowMissingKeys' in t && 'keys' in t) {
      const m = t as unknown as { allowMissingKeys: boolean };
      touched.push({ t: m, was: m.allowMissingKeys });
      Object.defineProperty(m, 'allowMissingKeys', {
        value: true,
        writable: true,
        configurable: true,
        enumerable: true,
      });
    }
  };
  visit(transform);
  try {
    return await fn();
  } finally {
    for (const { t, was } of touched)
      Object.defineProperty(t, 'allowMissingKeys', {
        value: was,
        writable: true,
        configurable: true,
        enumerable: true,
      });
  }
}

/** A function {@link Invertd} applies to an inverted image (MONAI `post_func`). */
export type InvertdPostFunc = (img: MetaImage) => unknown;

/** Options of {@link Invertd}. */
export interface InvertdOptions extends MapTransformOptions {
  /** The (dictionary) transform or Compose whose operations to undo. */
  transform: Invertible;
  /** Keys whose traces and meta are used: one for all keys, or one per key (default: `keys`). */
  origKeys?: string | readonly string[] | null;
  /** Undo with nearest-neighbour interpolation (MONAI default true: right for label maps); one, or one per key. */
  nearestInterp?: boolean | readonly boolean[];
  /** Applied to each inverted image: one function (or null) for all keys, or one per key. */
  postFunc?: InvertdPostFunc | null | readonly (InvertdPostFunc | null)[];
  /**
   * MONAI's `to_tensor` (one, or one per key). Inverted images are MetaImages, our MetaTensor, and
   * MONAI converts only a result that is not a MetaTensor, so either value gives the same output.
   */
  toTensor?: boolean | readonly boolean[];
  /** Where inverted images live: only `'cpu'` (or null), the one device data items have here. */
  device?: 'cpu' | null;
  /**
   * Where to write each key's inverted meta dict (default `<key>_<metaKeyPostfix>`); one, or one per key.
   * Written only when the item has the orig key's meta dict (as `LoadImaged` with `imageOnly: false` makes).
   */
  metaKeys?: string | null | readonly (string | null)[];
  /** The orig keys' meta dicts (default `<origKey>_<metaKeyPostfix>`); one, or one per key. */
  origMetaKeys?: string | null | readonly (string | null)[];
  /** Suffix of the default meta dict keys (default `'meta_dict'`); one, or one per key. */
  metaKeyPostfix?: string | readonly string[];
}

/**
 * Applies the inverse of `transform` to `keys` using the trace and meta recorded on `origKeys`
 * (MONAI `Invertd`): typically a model's prediction is mapped back to the original image grid by
 * undoing the preprocessing recorded on the image. With `nearestInterp` (default) resampling steps
 * are undone with nearest-neighbour interpolation.
 *
 * @example
 * const pre = new Compose([new LoadImaged({ keys: 'image' }), new EnsureChannelFirstd({ keys: 'image' }), new Spacingd({ keys: 'image', pixdim: [1, 1, 1] })]);
 * const post = new Invertd({ keys: 'pred', transform: pre, origKeys: 'image' });
 * const restored = await post.apply({ ...item, pred }); // restored.pred is on the original grid
 */
export class Invertd extends MapTransform<DataItem, InvertdOptions> {
  readonly transform: Invertible;
  readonly origKeys: string[];
  readonly nearestInterp: boolean[];
  readonly postFunc: (InvertdPostFunc | null)[];
  readonly metaKeys: (string | null)[];
  readonly origMetaKeys: (string | null)[];
  readonly metaKeyPostfix: string[];

  constructor(options: InvertdOptions) {
    super(options);
    if (!isInvertible(options.transform) && !((options.transform as unknown) instanceof Compose))
      fail(
        this.name,
        '`transform` must be an invertible transform or a Compose (the pipeline that produced the data)',
      );
    this.transform = options.transform;
    this.origKeys = perKey(options.origKeys ?? this.keys, this.keys, this.name, 'origKeys');
    this.nearestInterp = perKey(options.nearestInterp ?? true, this.keys, this.name, 'nearestInterp');
    this.postFunc = perKey(options.postFunc ?? null, this.keys, this.name, 'postFunc');
    perKey(options.toTensor ?? true, this.keys, this.name, 'toTensor');
    this.metaKeys = perKey(options.metaKeys ?? null, this.keys, this.name, 'metaKeys');
    this.origMetaKeys = perKey(options.origMetaKeys ?? null, this.keys, this.name, 'origMetaKeys');
    this.metaKeyPostfix = perKey(
      options.metaKeyPostfix ?? 'meta_dict',
      this.keys,
      this.name,
      'metaKeyPostfix',
    );
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      const i = this.keys.indexOf(key);
      const origKey = this.origKeys[i] as string;
      d[key] = await withKeyAsync(this.name, key, async () => {
        const input = requireImage(d[key], this.name, key);
        const orig = d[origKey];
        if (orig === undefined)
          fail(
            this.name,
            `origKey '${origKey}' is missing from the data item: Invertd needs the image whose trace to undo`,
          );
        const ref = requireImage(orig, this.name, origKey);
        let trace = copyTrace(ref.appliedOperations);
        if (this.nearestInterp[i])
          trace = convertAppliedInterpMode(trace, 'nearest', null) as AppliedOperation[];
        const work = new MetaImage({
          data: input.data,
          shape: input.shape,
          dtype: input.dtype,
          affine: ref.affine.slice(),
          meta: copyMeta(ref.meta),
          appliedOperations: trace,
        });
        const inverted = await withAllowMissingKeys(this.transform, () =>
          this.transform.inverse({ [origKey]: work }),
        );
        const out = (inverted as DataItem)[origKey];
        const img = requireImage(out, this.name, key);
        const postfix = this.metaKeyPostfix[i] as string;
        if ((this.origMetaKeys[i] ?? `${origKey}_${postfix}`) in d)
          d[this.metaKeys[i] ?? `${key}_${postfix}`] = { ...img.meta, affine: img.affine.slice() };
        const postFunc = this.postFunc[i];
        return postFunc ? postFunc(img) : img;
      });
    }
    return d;
  }
}

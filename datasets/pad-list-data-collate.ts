import { DatasetError } from '../src/errors.js';
import { type AppliedOperation, MetaImage } from '../src/image/meta-image.js';
import type { PadMode } from '../transforms/crop-pad/pad-array.js';
import { invertPad, padImage } from '../transforms/crop-pad/pad-image.js';
import { type PadMethod, computeSpatialPadWidth } from '../transforms/crop-pad/spatial-pad.js';
import { popOperation } from '../transforms/invertible.js';
import {
  type Batch,
  type BatchTensors,
  type CollateOptions,
  flattenItems,
  listDataCollate,
} from './collate.js';
import { isPlainObject } from './item-values.js';

/** Options of {@link padListDataCollate}. */
export interface PadCollateOptions extends CollateOptions {
  /** `'symmetric'` (default, MONAI: ⌊w/2⌋ before, the rest after) or `'end'`. */
  method?: PadMethod;
  /** `'constant'` (default), `'edge'`/`'replicate'`, `'reflect'`, `'symmetric'`, `'wrap'`/`'circular'`. */
  mode?: PadMode;
  /** Fill value of `'constant'` mode (default 0). */
  value?: number;
}

/** Class name recorded in `applied_operations`, as MONAI's. */
export const PAD_COLLATE_CLASS = 'PadListDataCollate';

/**
 * MONAI's `pad_list_data_collate`: images of a key whose spatial shapes differ are padded to the
 * per-axis maximum (recording a `PadListDataCollate` operation on each, undone by
 * {@link PadListDataCollate.inverse}), then collated with {@link listDataCollate}.
 *
 * @example
 * const loader = new DataLoader(ds, { batchSize: 4, collate: padListDataCollate });
 */
export function padListDataCollate<T extends object = BatchTensors>(
  items: unknown[],
  options: PadCollateOptions = {},
): Batch<T> {
  const method = options.method ?? 'symmetric';
  const mode = options.mode ?? 'constant';
  if (method !== 'symmetric' && method !== 'end')
    throw new DatasetError(`pad method must be 'symmetric' or 'end', got '${String(method)}'`);
  const flat = flattenItems(items);
  const first = flat[0];
  if (!isPlainObject(first)) return listDataCollate(flat, options);
  const out = flat.map((d) => (isPlainObject(d) ? { ...d } : d)) as Record<string, unknown>[];
  for (const key of Object.keys(first)) {
    const values = out.map((d) => (isPlainObject(d) ? d[key] : undefined));
    if (!values.every((v) => MetaImage.isMetaImage(v))) continue;
    const imgs = values as MetaImage[];
    const nd = imgs[0]!.shape.length;
    if (imgs.some((m) => m.shape.length !== nd)) continue; // listDataCollate reports it
    const max = imgs[0]!.spatialShape.map((_, d) =>
      Math.max(...imgs.map((m) => m.spatialShape[d] as number)),
    );
    if (imgs.every((m) => m.spatialShape.every((s, d) => s === max[d]))) continue;
    imgs.forEach((img, b) => {
      // MONAI: SpatialPad(max_shape) traces itself; PadListDataCollate re-pushes that trace as its extra_info
      const padded = padImage(img, computeSpatialPadWidth(img.spatialShape, max, method, PAD_COLLATE_CLASS), {
        mode,
        value: options.value ?? 0,
        traceClass: 'SpatialPad',
      });
      const inner = popOperation(padded, 'SpatialPad');
      const op: AppliedOperation = {
        class: PAD_COLLATE_CLASS,
        tracing: true,
        do_transforms: true,
        orig_size: img.spatialShape,
        lazy: false,
        extra_info: inner,
      };
      padded.appliedOperations = [...padded.appliedOperations, op];
      (out[b] as Record<string, unknown>)[key] = padded;
    });
  }
  return listDataCollate(out, options);
}

/** MONAI's `PadListDataCollate`: the collate as an object, and the static inverse. */
export class PadListDataCollate {
  readonly options: PadCollateOptions;
  constructor(options: PadCollateOptions = {}) {
    this.options = options;
  }

  /** Pads and collates (use `collate: (items, o) => pad.apply(items, o)` or {@link padListDataCollate}). */
  apply(items: unknown[], options: CollateOptions = {}): Batch {
    return padListDataCollate(items, { ...this.options, ...options });
  }

  /**
   * Undoes the padding on a decollated item: each MetaImage whose last applied operation is a
   * `PadListDataCollate` is cropped back to its original size (and its affine restored).
   */
  static inverse(item: Record<string, unknown>): Record<string, unknown> {
    if (!isPlainObject(item))
      throw new DatasetError('PadListDataCollate.inverse expects a data item (a dictionary)');
    const d = { ...item };
    for (const [key, v] of Object.entries(d)) {
      if (!MetaImage.isMetaImage(v)) continue;
      const last = v.appliedOperations[v.appliedOperations.length - 1];
      if (!last || last.class !== PAD_COLLATE_CLASS) continue;
      const inner = last.extra_info as AppliedOperation;
      const base = v.clone({ data: v.data, appliedOperations: v.appliedOperations.slice(0, -1) });
      if (Array.isArray(inner?.extra_info?.padded)) {
        d[key] = invertPad(base, inner);
      } else {
        // MONAI falls back to a centre crop to the original size
        const orig = last.orig_size;
        const cur = v.spatialShape;
        const start = cur.map((s, i) => Math.floor((s - (orig[i] as number)) / 2));
        if (orig.length !== cur.length || start.some((x) => x < 0))
          throw new DatasetError(
            `cannot undo the padding of '${key}': its shape [${cur.join(', ')}] does not contain the original [${orig.join(', ')}]`,
          );
        d[key] = invertPad(base, {
          class: PAD_COLLATE_CLASS,
          orig_size: orig,
          extra_info: {
            padded: [[0, 0], ...start.map((x, i) => [x, (cur[i] as number) - (orig[i] as number) - x])],
          },
        });
      }
    }
    return d;
  }
}

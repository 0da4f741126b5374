import { TransformError } from '../../src/errors.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import type { DataItem } from '../transform.js';

/** Options of {@link DeleteItemsd}. */
export interface DeleteItemsdOptions extends MapTransformOptions {
  /** Separator of nested keys (`'image_meta_dict.affine'` deletes `affine` inside `image_meta_dict`; default `'.'`). */
  sep?: string;
  /** Treat each key (its last part) as a regular expression searched in key names; one or one per key. */
  useRe?: boolean | readonly boolean[];
}

function deleteFrom(
  d: Record<string, unknown>,
  parts: readonly string[],
  useRe: boolean,
  where: string,
): Record<string, unknown> {
  const [head, ...rest] = parts as [string, ...string[]];
  if (rest.length > 0) {
    const inner = d[head];
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return d; // nothing nested to delete from
    return { ...d, [head]: deleteFrom(inner as Record<string, unknown>, rest, useRe, where) };
  }
  let re: RegExp | null = null;
  if (useRe) {
    try {
      re = new RegExp(head);
    } catch (e) {
      throw new TransformError(where, head, `invalid regular expression: ${(e as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (re ? !re.test(k) : k !== head) out[k] = v;
  return out;
}

/**
 * Deletes items (MONAI `DeleteItemsd`): by name, nested with `sep`, or by regular expression
 * (`useRe`). Missing keys are ignored, as in MONAI.
 *
 * @example
 * new DeleteItemsd({ keys: ['image_meta_dict.affine', '^tmp_'], useRe: [false, true] });
 */
export class DeleteItemsd extends MapTransform<DataItem, DeleteItemsdOptions> {
  readonly sep: string;
  readonly useRe: boolean[];

  constructor(options: DeleteItemsdOptions) {
    super(options);
    this.sep = options.sep ?? '.';
    this.useRe = perKey(options.useRe ?? false, this.keys, this.name, 'useRe');
  }

  async apply(data: DataItem): Promise<DataItem> {
    let d: Record<string, unknown> = { ...data };
    this.keys.forEach((key, i) => {
      d = deleteFrom(d, this.sep ? key.split(this.sep) : [key], this.useRe[i] as boolean, this.name);
    });
    return d;
  }
}

/** What OneOf, SomeOf and RandomOrder share: weights, the trace of their choice, no partial runs. */
import { TransformError } from '../src/errors.js';
import { MetaImage } from '../src/image/meta-image.js';
import { type Compose, type ComposeRange, type ComposeStep, applyStep, stepName } from './compose.js';
import { isInvertible, popOperation, pushOperation } from './invertible.js';
import { wrapTransformError } from './transform.js';

/** Records `extraInfo` under `className` on the item's images (MONAI: every MetaTensor of a dict). */
export function traceItem(data: unknown, className: string, extraInfo: Record<string, unknown>): unknown {
  const mark = (img: MetaImage): MetaImage => {
    const out = img.shallowClone();
    pushOperation(out, className, out.spatialShape, extraInfo);
    return out;
  };
  if (MetaImage.isMetaImage(data)) return mark(data);
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const d = { ...(data as Record<string, unknown>) };
    for (const [k, v] of Object.entries(d)) if (MetaImage.isMetaImage(v)) d[k] = mark(v);
    return d;
  }
  return data;
}

/** Pops `className`'s record from the item's images; returns the item and the last record's extra info. */
export function untraceItem(
  data: unknown,
  className: string,
): { data: unknown; info: Record<string, unknown> | undefined } {
  if (MetaImage.isMetaImage(data)) {
    const out = data.shallowClone();
    return { data: out, info: popOperation(out, className).extra_info };
  }
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const d = { ...(data as Record<string, unknown>) };
    let info: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(d))
      if (MetaImage.isMetaImage(v)) {
        const out = v.shallowClone();
        info = popOperation(out, className, k).extra_info;
        d[k] = out;
      }
    return { data: d, info };
  }
  throw new TransformError(
    className,
    undefined,
    'inverse is only implemented for a MetaImage or a dictionary item',
  );
}

export function checkRange(name: string, range: ComposeRange): void {
  if ((range.start ?? 0) !== 0 || range.end !== undefined)
    throw new TransformError(
      name,
      undefined,
      `${name} cannot be run partially (start/end are not supported)`,
    );
}

/** Runs `order` of `transforms` and inverts it (shared by RandomOrder and SomeOf). */
export async function applyOrder<I>(
  c: Pick<Compose<I>, 'transforms' | 'mapItems' | 'unpackItems'>,
  order: readonly number[],
  input: unknown,
): Promise<unknown> {
  let data = input;
  for (const i of order)
    data = await applyStep(c.transforms[i] as ComposeStep<I>, data, c.mapItems, c.unpackItems);
  return data;
}

/** Inverts what `applyOrder` ran, from the order recorded on the item. */
export async function invertOrder<I>(
  c: Pick<Compose<I>, 'transforms'>,
  className: string,
  data: unknown,
): Promise<unknown> {
  if (c.transforms.length === 0) return data;
  const { data: d0, info } = untraceItem(data, className);
  const order = info?.applied_order;
  if (!Array.isArray(order)) return d0;
  let d = d0;
  for (const i of [...(order as number[])].reverse()) {
    const t = c.transforms[i];
    if (!isInvertible(t)) continue;
    try {
      d = await t.inverse(d);
    } catch (e) {
      throw wrapTransformError(e, stepName(t as ComposeStep<I>));
    }
  }
  return d;
}

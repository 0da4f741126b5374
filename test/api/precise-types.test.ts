/**
 * Type-level checks of the public transform types (`npm test` type-checks this file with tsc, so a
 * regression to `any` or to untyped options fails there; the runtime assertions are the same facts).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { MetaImage } from '../../src/image/meta-image.js';
import {
  Compose,
  type DataItem,
  Lambda,
  Lambdad,
  OneOf,
  RandFlipd,
  ScaleIntensityRanged,
  Spacing,
  type Transform,
} from '../../transforms/index.js';

const image = () =>
  new MetaImage({ data: new Float32Array(8).fill(2), shape: [1, 2, 2, 2], dtype: 'float32' });

describe('precise public types', () => {
  it("each transform's options are its own options type", () => {
    const t = new ScaleIntensityRanged({ keys: 'image', aMin: 0, aMax: 10, bMin: 0, bMax: 1 });
    expectTypeOf(t.options.aMin).toEqualTypeOf<number>();
    expectTypeOf(t.options.keys).toEqualTypeOf<string | readonly string[]>();
    expect(t.options.aMax).toBe(10);
    const s = new Spacing({ pixdim: [1, 1, 1] });
    expectTypeOf(s.options.pixdim).not.toBeAny();
    expectTypeOf<Transform['options']>().toEqualTypeOf<Readonly<object>>();
  });

  it('Compose maps data items to data items by default; a function parameter sets its input type', async () => {
    const c = new Compose([(d) => ({ ...d, seen: true })]);
    expectTypeOf(c).toEqualTypeOf<Compose<DataItem, DataItem>>();
    const out = await c.apply({ a: 1 });
    expectTypeOf(out).toEqualTypeOf<DataItem>();
    expect(out).toEqual({ a: 1, seen: true });
    const onImages = new Compose([(img: MetaImage) => img.clone({ data: img.data.map((v) => v + 1) })]);
    expectTypeOf(onImages).toEqualTypeOf<Compose<MetaImage, MetaImage>>();
    const many = new Compose<DataItem, DataItem[]>([(d) => [d, d]]);
    expectTypeOf(many.inverse).returns.resolves.toEqualTypeOf<DataItem[]>();
    expectTypeOf(c.inverse).parameter(0).toEqualTypeOf<DataItem>();
    const aug = new OneOf([new RandFlipd({ keys: 'image', prob: 1 })]);
    expectTypeOf(aug).toEqualTypeOf<OneOf<DataItem, DataItem>>();
    const flipped = await aug.setRandomState(0).apply({ image: image() });
    expectTypeOf(flipped).toEqualTypeOf<DataItem>();
    expect(flipped.image).toBeInstanceOf(MetaImage);
  });

  it("Lambda is generic in its function's input (a MetaImage unless the parameter says otherwise)", async () => {
    const neg = new Lambda({ func: (img) => img.clone({ data: img.data.map((v) => -v) }) });
    expectTypeOf(neg).toEqualTypeOf<Lambda<MetaImage, MetaImage>>();
    expect(Array.from((await neg.apply(image())).data)).toEqual(new Array(8).fill(-2));
    const twice = new Lambda({ func: async (x: number) => 2 * x });
    expectTypeOf(twice).toEqualTypeOf<Lambda<number, number>>();
    expect(await twice.apply(21)).toBe(42);
    const perKey = new Lambdad({ keys: 'image', func: (img) => img.shape.length });
    expectTypeOf(perKey).toEqualTypeOf<Lambdad<MetaImage, number>>();
  });
});

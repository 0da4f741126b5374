import { describe, expect, it } from 'vitest';
import { TRANSFORM_MODULES, loadTransformClass } from '../../datasets/transform-catalogue.js';
import * as T from '../../transforms/index.js';
import { Transform } from '../../transforms/transform.js';

describe('transform catalogue (what worker threads import)', () => {
  it('lists every transform class of the transforms barrel with the module that defines it', async () => {
    const classes = Object.entries(T).filter(
      ([, v]) => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Transform,
    );
    const missing = classes.filter(([name]) => TRANSFORM_MODULES[name] === undefined).map(([n]) => n);
    // regenerate the table with: npx tsx scripts/transform-catalogue.ts
    expect(missing).toEqual([]);
    for (const [name, cls] of classes) expect(await loadTransformClass(name), name).toBe(cls);
    expect(Object.keys(TRANSFORM_MODULES).filter((n) => !(n in T))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { TransformError, TransformOptionError } from '../../src/errors.js';
import * as T from '../../transforms/index.js';
import { type OptionRule, accepts } from '../../transforms/option-check.js';
import { OPTIONS_POSITION, OPTION_TABLE } from '../../transforms/option-table.generated.js';

// Every class the transforms barrel exports that extends Transform: new ones are covered as they are added.
const catalogue = Object.entries(T).filter(
  (e): e is [string, new (...args: unknown[]) => T.Transform] =>
    typeof e[1] === 'function' && e[1].prototype instanceof T.Transform,
);

function construct(name: string, options: object): unknown {
  const C = catalogue.find(([n]) => n === name)![1];
  const args: unknown[] = new Array(OPTIONS_POSITION[name] ?? 0).fill(undefined);
  return Reflect.construct(C, [...args, options]);
}

/** The TransformError `fn` throws (a TransformOptionError, or the class's own check naming the option). */
function thrown(fn: () => unknown, option: string): TransformError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TransformOptionError) {
      expect(e.option).toBe(option);
      return e;
    }
    if (e instanceof TransformError && e.message.includes(option)) return e;
    throw new Error(`expected a TransformError naming '${option}', got ${String(e)}`, { cause: e });
  }
  throw new Error(`expected a TransformError naming '${option}', nothing was thrown`);
}

/** A value of a kind `rule` accepts (the check of that option passes; the class may still refuse it). */
function sample(rule: OptionRule): unknown {
  if (rule.values?.length) return rule.values[0];
  const byKind: Record<string, unknown> = {
    any: 1,
    array: rule.items ? [sample(rule.items)] : [],
    bigint: 1n,
    boolean: false,
    function: () => 0,
    null: null,
    number: 1,
    object: {},
    string: 'image',
  };
  return byKind[rule.kinds[0]!];
}

// Values of every kind; for each option, the first one its type does not allow is the wrong-typed value.
const candidates: unknown[] = [
  'not-a-valid-choice',
  1234.5,
  true,
  null,
  [Symbol('x')],
  { wrong: 1 },
  () => 0,
];

describe('transform options are checked at construction', () => {
  it('covers the whole catalogue (run `npm run api:update` after adding a transform)', () => {
    expect(catalogue.length).toBeGreaterThan(140);
    expect(catalogue.map(([n]) => n).filter((n) => !OPTION_TABLE[n])).toEqual([]);
  });

  for (const [name] of catalogue) {
    const table = OPTION_TABLE[name] ?? {};
    it(`${name}: an unknown option, each wrong-typed option and each missing required option`, () => {
      const unknown = thrown(() => construct(name, { notAnOption: 1 }), 'notAnOption');
      expect(unknown).toBeInstanceOf(TransformOptionError);
      expect(unknown.transform).toBe(name);
      expect(unknown.message).toMatch(/unknown option 'notAnOption'/);

      for (const [option, rule] of Object.entries(table)) {
        const wrong = candidates.find((v) => !accepts(rule, v));
        if (wrong === undefined) continue; // the option takes anything (e.g. a Lambda's function input)
        thrown(() => construct(name, { [option]: wrong }), option);
      }

      // Each required option, left out while the others are given, is named.
      const required = Object.entries(table).filter(([, r]) => r.required);
      for (const [option] of required) {
        const others = Object.fromEntries(
          required.filter(([o]) => o !== option).map(([o, r]) => [o, sample(r)]),
        );
        thrown(() => construct(name, others), option);
      }
    });
  }

  it('lazy: true, RandAffine device/dtype and RandSpatialCropd without roiSize fail when built', () => {
    expect(() => new T.SpatialPadd({ keys: 'image', spatialSize: 8, lazy: true as never })).toThrow(
      /SpatialPadd: option 'lazy' is true: it must be false/,
    );
    expect(() => new T.RandAffine({ device: 'cuda:0' as never })).toThrow(
      /RandAffine: option 'device' is 'cuda:0': it must be 'cpu' or null/,
    );
    expect(() => new T.RandAffine({ dtype: 'float64' as never })).toThrow(/option 'dtype'/);
    expect(() => new T.RandSpatialCropd({ keys: 'image' } as never)).toThrow(
      /RandSpatialCropd: option 'roiSize' is required/,
    );
  });
});

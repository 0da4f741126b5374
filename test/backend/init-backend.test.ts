import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKEND_ENV_VAR, initBackend } from '../../src/backend/index.js';
import { ConfigError } from '../../src/errors.js';

function notFound(pkg: string): Error {
  const e = new Error(`Cannot find package '${pkg}' imported from /somewhere`) as Error & { code: string };
  e.code = 'ERR_MODULE_NOT_FOUND';
  return e;
}

/** The real importer, except that the native packages are absent (as on any machine without libtensorflow). */
const noNative = async (s: string): Promise<unknown> => {
  if (s.startsWith('@tensorflow/tfjs-node')) throw notFound(s);
  return import(s);
};

afterEach(async () => {
  if (tf.findBackend('tensorflow') || tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  await tf.setBackend('cpu');
});

describe('initBackend', () => {
  it('falls back to cpu and says why tfjs-node-gpu, tfjs-node and wasm were passed over', async () => {
    const lines: string[] = [];
    const r = await initBackend({ env: {}, importModule: noNative, log: (l) => lines.push(l) });
    expect(r.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(r.mode).toBe('auto');
    expect(r.candidates.map((c) => [c.package, c.outcome])).toEqual([
      ['@tensorflow/tfjs-node-gpu', 'not-installed'],
      ['@tensorflow/tfjs-node', 'not-installed'],
      ['@tensorflow/tfjs-backend-wasm', 'skipped'],
      ['@tensorflow/tfjs-backend-cpu', 'chosen'],
    ]);
    expect(r.candidates[2]!.reason).toMatch(/opt-in/);
    expect(lines).toEqual([r.summary]);
    expect(r.summary).toMatch(
      /^tfjs backend: cpu .*passed over: tensorflow via @tensorflow\/tfjs-node-gpu \(not-installed/,
    );
    const s = tf.sum(tf.ones([10]));
    expect(s.dataSync()[0]).toBe(10);
    s.dispose();
  });

  it("replaces the cpu backend's five-line banner by its one-line report", async () => {
    // a cpu backend that has made no tensor yet (this process's has)
    tf.removeBackend('cpu');
    tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
    const warned: unknown[] = [];
    const spy = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void warned.push(...a));
    try {
      const r = await initBackend({ env: {}, importModule: noNative });
      expect(r.backend).toBe('cpu');
      tf.tidy(() => tf.ones([2]).dataSync());
    } finally {
      spy.mockRestore();
    }
    expect(warned.join('\n')).not.toMatch(/looks like you are running TensorFlow\.js in Node/);
  });

  it('with the real module loader picks a backend that works and reports every candidate', async () => {
    const r = await initBackend({ env: {} });
    expect(['tensorflow', 'cpu']).toContain(r.backend);
    expect(tf.getBackend()).toBe(r.backend);
    expect(r.candidates.filter((c) => c.outcome === 'chosen')).toHaveLength(1);
    expect(r.candidates.length).toBe(4);
  });

  it('prefers tfjs-node-gpu when it loads, and skips tfjs-node', async () => {
    const fake = async (s: string): Promise<unknown> => {
      if (s === '@tensorflow/tfjs-node-gpu') {
        // stands in for the native binding: registers a backend called 'tensorflow'
        tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
        return {};
      }
      return noNative(s);
    };
    const r = await initBackend({ env: {}, importModule: fake });
    expect(r.backend).toBe('tensorflow');
    expect(r.package).toBe('@tensorflow/tfjs-node-gpu');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(r.candidates.find((c) => c.package === '@tensorflow/tfjs-node')!.outcome).toBe('skipped');
    expect(r.candidates.find((c) => c.backend === 'cpu')!.outcome).toBe('skipped');
  });

  it('reports an installed native package that fails to load and moves on', async () => {
    const broken = async (s: string): Promise<unknown> => {
      if (s === '@tensorflow/tfjs-node-gpu')
        throw new Error('libcudart.so.11.0: cannot open shared object file');
      return noNative(s);
    };
    const r = await initBackend({ env: {}, importModule: broken });
    expect(r.backend).toBe('cpu');
    const gpu = r.candidates[0]!;
    expect(gpu.outcome).toBe('failed');
    expect(gpu.reason).toMatch(/libcudart/);
  });

  it('uses wasm when opted in', async () => {
    const r = await initBackend({ env: {}, importModule: noNative, wasm: true });
    expect(r.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.mul(x, 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    tf.dispose([x, y]);
  });

  it(`${BACKEND_ENV_VAR} forces a backend and wins over the option`, async () => {
    const r = await initBackend({
      env: { [BACKEND_ENV_VAR]: 'wasm' },
      backend: 'cpu',
      importModule: noNative,
    });
    expect(r.backend).toBe('wasm');
    expect(r.mode).toBe('env');
    expect(r.candidates).toHaveLength(1);
    expect(r.summary).toMatch(/forced by CSC_MLOPS_BACKEND=wasm/);
    const c = await initBackend({ env: { [BACKEND_ENV_VAR]: 'CPU' }, importModule: noNative });
    expect(c.backend).toBe('cpu');
    const o = await initBackend({ env: {}, backend: 'cpu', importModule: noNative });
    expect(o.mode).toBe('option');
    expect(o.candidates.map((x) => x.backend)).toEqual(['cpu']);
  });

  it('fails loudly when a forced backend cannot start, and on an unknown value', async () => {
    await expect(
      initBackend({ env: { [BACKEND_ENV_VAR]: 'tensorflow' }, importModule: noNative }),
    ).rejects.toThrow(
      /tensorflow forced by CSC_MLOPS_BACKEND=tensorflow.*tfjs-node-gpu: not installed.*install @tensorflow\/tfjs-node/,
    );
    await expect(initBackend({ env: { [BACKEND_ENV_VAR]: 'webgl' } })).rejects.toBeInstanceOf(ConfigError);
    await expect(initBackend({ env: { [BACKEND_ENV_VAR]: 'webgl' } })).rejects.toThrow(
      /use cpu, wasm or tensorflow/,
    );
    const none = async (s: string): Promise<unknown> => {
      throw notFound(s);
    };
    await expect(initBackend({ env: {}, importModule: none })).rejects.toThrow(/install @tensorflow\/tfjs/);
  });
});

/**
 * MONAI 1.4 golden cases of kind "inferer" (sliding_window_inference, in both layouts) and "datalist"
 * (load_decathlon_datalist). A case naming a function the package does not export fails.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import * as Datasets from '../datasets/index.js';
import { readNpy } from '../src/io/numpy.js';
import * as Inferers from '../training/inferers/index.js';
import { GOLDEN_DIR, compareArrays } from './support/golden.js';

interface Spec {
  file: string;
  shape: number[];
  channel_axis?: number;
}
interface InfererCase {
  id: string;
  kind: 'inferer';
  description: string;
  function: string;
  inputs: { inputs: string };
  args: Record<string, unknown>;
  predictor: string;
  outputs: { output: Spec };
  tolerance: { atol: number; rtol: number };
}
interface DatalistCase {
  id: string;
  kind: 'datalist';
  description: string;
  function: string;
  args: {
    data_list_file_path: string;
    is_segmentation: boolean;
    data_list_key: string;
    base_dir: string | null;
  };
  expected: unknown;
}

const all = JSON.parse(readFileSync(join(GOLDEN_DIR, 'cases.json'), 'utf8')) as { kind?: string }[];
const infererCases = all.filter((c): c is InfererCase => c.kind === 'inferer');
const datalistCases = all.filter((c): c is DatalistCase => c.kind === 'datalist');

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
const exported = (lib: object, snake: string) => (lib as Record<string, unknown>)[camel(snake)];

type Layout = 'channelsFirst' | 'channelsLast';

/** The golden predictors, written with tf ops, for windows in `layout`. */
function predictor(name: string, layout: Layout): (p: tf.Tensor) => tf.Tensor {
  const cAxis = (p: tf.Tensor) => (layout === 'channelsFirst' ? 1 : p.rank - 1);
  const spatial = (p: tf.Tensor) =>
    layout === 'channelsFirst'
      ? Array.from({ length: p.rank - 2 }, (_, i) => i + 2)
      : Array.from({ length: p.rank - 2 }, (_, i) => i + 1);
  switch (name) {
    case 'identity':
      return (p) => p;
    case 'scale2':
      return (p) => tf.tidy(() => tf.add(tf.mul(p, 2), 1));
    case 'center':
      return (p) => tf.tidy(() => tf.sub(p, tf.mean(p, spatial(p), true)));
    case 'square_concat':
      return (p) => tf.tidy(() => tf.concat([p, tf.mul(p, p)], cAxis(p)));
    case 'avgpool2':
      return (p) =>
        tf.tidy(() => {
          const last = layout === 'channelsLast' ? p : tf.transpose(p, [0, ...spatial(p), 1]);
          const pooled =
            p.rank === 4
              ? tf.avgPool(last as tf.Tensor4D, 2, 2, 'valid')
              : tf.avgPool3d(last as tf.Tensor5D, 2, 2, 'valid');
          if (layout === 'channelsLast') return pooled;
          const r = pooled.rank;
          return tf.transpose(pooled, [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)]);
        });
    default:
      throw new Error(`unknown golden predictor ${name}`);
  }
}

const toLast = (x: tf.Tensor) =>
  tf.transpose(x, [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1]);
const toFirst = (x: tf.Tensor) =>
  tf.transpose(x, [0, x.rank - 1, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 1)]);

describe('MONAI 1.4 golden inferer cases', () => {
  it('has the inferer cases', () => expect(infererCases.length).toBe(6));
  for (const c of infererCases) {
    for (const layout of ['channelsFirst', 'channelsLast'] as const) {
      it(`${c.id} [${layout}]`, async () => {
        const fn = exported(Inferers, c.function);
        expect(typeof fn, `csc-mlops/inferers does not export ${camel(c.function)}`).toBe('function');
        const swi = fn as typeof Inferers.slidingWindowInference;
        const npy = await readNpy(join(GOLDEN_DIR, c.inputs.inputs));
        const expected = await readNpy(join(GOLDEN_DIR, c.outputs.output.file));
        const before = tf.memory().numTensors;
        const stored = tf.tensor(Float32Array.from(npy.data as ArrayLike<number>), npy.shape, 'float32');
        const input = layout === 'channelsFirst' ? stored : toLast(stored);
        const { roi_size, sw_batch_size, ...rest } = c.args;
        const opts = Object.fromEntries(Object.entries(rest).map(([k, v]) => [camel(k), v]));
        const out = await swi(
          input,
          roi_size as number[],
          sw_batch_size as number,
          predictor(c.predictor, layout),
          {
            ...opts,
            layout,
          },
        );
        const first = layout === 'channelsFirst' ? out : toFirst(out);
        expect(first.shape).toEqual(c.outputs.output.shape);
        const problem = compareArrays(
          await first.data(),
          expected.data as ArrayLike<number>,
          c.tolerance.atol,
          c.tolerance.rtol,
        );
        tf.dispose([stored, input, out, first]);
        expect(tf.memory().numTensors).toBe(before);
        expect(problem, c.description).toBeNull();
      });
    }
  }
});

/** Maps absolute paths under the golden folder to "$ROOT/<relative POSIX path>", as the cases store them. */
function rooted(value: unknown): unknown {
  if (typeof value === 'string' && isAbsolute(value)) {
    const rel = relative(GOLDEN_DIR, value);
    return rel.startsWith('..') ? value : `$ROOT/${rel.split(sep).join('/')}`;
  }
  if (Array.isArray(value)) return value.map(rooted);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rooted(v)]));
  return value;
}

describe('MONAI 1.4 golden datalist cases', () => {
  it('has the datalist cases', () => expect(datalistCases.length).toBe(5));
  for (const c of datalistCases) {
    it(`${c.id}`, async () => {
      const fn = exported(Datasets, c.function);
      expect(typeof fn, `csc-mlops/datasets does not export ${camel(c.function)}`).toBe('function');
      const load = fn as typeof Datasets.loadDecathlonDatalist;
      const call = () =>
        load(join(GOLDEN_DIR, c.args.data_list_file_path), {
          isSegmentation: c.args.is_segmentation,
          dataListKey: c.args.data_list_key,
          ...(c.args.base_dir !== null ? { baseDir: join(GOLDEN_DIR, c.args.base_dir) } : {}),
        });
      const expected = c.expected as { error?: string } | unknown[];
      if (!Array.isArray(expected)) {
        await expect(call(), c.description).rejects.toBeInstanceOf(Error);
        return;
      }
      expect(rooted(await call()), c.description).toEqual(expected);
    });
  }
});

/**
 * Golden harness for MONAI 1.4's loss and metric cases (test/golden/README.md, kinds "loss" and
 * "metric"): builds our class from the case's snake_case args, feeds the stored arrays in either layout
 * and compares every output with MONAI's within the case's tolerance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { readNpy } from '../../src/io/numpy.js';
import * as L from '../../training/losses/index.js';
import * as M from '../../training/metrics/index.js';
import { GOLDEN_DIR, compareArrays } from './golden.js';

interface OutSpec {
  file: string;
  dtype: string;
  shape: number[];
  channel_axis?: number;
}
interface Tol {
  atol: number;
  rtol: number;
  class: string;
}
/** A `kind: "loss"` case. */
export interface LossCase {
  id: string;
  kind: 'loss';
  family: string;
  description: string;
  loss: string;
  args: Record<string, unknown>;
  inputs: { input: string; target: string; mask?: string };
  outputs: { value: OutSpec };
  tolerance: Tol;
}
/** A `kind: "metric"` case. */
export interface MetricCase {
  id: string;
  kind: 'metric';
  family: string;
  description: string;
  metric: string;
  args: Record<string, unknown>;
  calls: { y_pred: string; y: string; kwargs?: Record<string, unknown> }[];
  outputs: { calls: OutSpec[]; aggregate: OutSpec | OutSpec[] };
  tolerance: Tol;
}
export type TrainingCase = LossCase | MetricCase;

/** The loss and metric cases of cases.json. */
export function loadTrainingCases(): TrainingCase[] {
  const all = JSON.parse(readFileSync(join(GOLDEN_DIR, 'cases.json'), 'utf8')) as { kind?: string }[];
  return all.filter((c) => c.kind === 'loss' || c.kind === 'metric') as TrainingCase[];
}

/** Class name a case needs. */
export function caseClass(c: TrainingCase): string {
  return c.kind === 'loss' ? c.loss : c.metric;
}

/** Whether our barrels export the class a case names. */
export function isExported(c: TrainingCase): boolean {
  const lib = (c.kind === 'loss' ? L : M) as unknown as Record<string, unknown>;
  return typeof lib[caseClass(c)] === 'function';
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
const camelArgs = (args: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(args).map(([k, v]) => [camel(k), v]));

/** Moves axis 1 of a C-order array to the end. */
function moveAxis1Last(data: ArrayLike<number>, shape: number[]): Float32Array {
  const [b = 1, c = 1] = shape;
  const inner = shape.slice(2).reduce((a, d) => a * d, 1);
  const out = new Float32Array(data.length);
  for (let i = 0; i < b; i++)
    for (let ch = 0; ch < c; ch++)
      for (let s = 0; s < inner; s++)
        out[(i * inner + s) * c + ch] = data[(i * c + ch) * inner + s] as number;
  return out;
}
const lastShape = (shape: number[]) => [shape[0] as number, ...shape.slice(2), shape[1] as number];

async function loadInput(rel: string, layout: TensorLayout): Promise<tf.Tensor> {
  const a = await readNpy(join(GOLDEN_DIR, rel));
  if (layout === 'channelsFirst') return tf.tensor(Float32Array.from(a.data), a.shape, 'float32');
  return tf.tensor(moveAxis1Last(a.data, a.shape), lastShape(a.shape), 'float32');
}

/** Compares a tensor with an expected .npy (moving its axis 1 last for channels-last when it has one). */
async function compareTensor(
  t: tf.Tensor,
  spec: OutSpec,
  layout: TensorLayout,
  tol: Tol,
): Promise<string | null> {
  const e = await readNpy(join(GOLDEN_DIR, spec.file));
  const move = layout === 'channelsLast' && spec.channel_axis === 1;
  const shape = move ? lastShape(e.shape) : e.shape;
  const expected = move ? moveAxis1Last(e.data, e.shape) : Float64Array.from(e.data);
  if (t.shape.join() !== shape.join()) return `shape [${t.shape}] vs MONAI [${shape}]`;
  const actual = Float64Array.from(await t.data());
  // ±inf must match exactly; compareArrays handles NaN
  for (let i = 0; i < expected.length; i++) {
    const x = expected[i] as number;
    if (x === Infinity || x === -Infinity) {
      if (actual[i] !== x) return `value ${i}: ${actual[i]} vs MONAI ${x}`;
      actual[i] = 0;
      expected[i] = 0;
    }
  }
  return compareArrays(actual, expected, tol.atol, tol.rtol);
}

async function runLoss(c: LossCase, layout: TensorLayout): Promise<string[]> {
  const Ctor = (L as unknown as Record<string, new (o: Record<string, unknown>) => L.Loss>)[c.loss];
  if (!Ctor) return [`csc-mlops/losses does not export ${c.loss}`];
  const loss = new Ctor({ ...camelArgs(c.args), layout });
  const input = await loadInput(c.inputs.input, layout);
  const target = await loadInput(c.inputs.target, layout);
  const mask = c.inputs.mask === undefined ? undefined : await loadInput(c.inputs.mask, layout);
  try {
    const value =
      mask === undefined
        ? loss.forward(input, target)
        : (loss as L.MaskedDiceLoss).forward(input, target, mask);
    const d = await compareTensor(value, c.outputs.value, layout, c.tolerance);
    value.dispose();
    return d ? [`value: ${d}`] : [];
  } finally {
    tf.dispose([input, target, ...(mask ? [mask] : [])]);
  }
}

interface CumulativeMetric {
  call(yPred: tf.Tensor, y: tf.Tensor, kwargs?: { spacing?: unknown }): Promise<tf.Tensor>;
  aggregate(): Promise<tf.Tensor | tf.Tensor[]>;
  reset(): void;
}

async function runMetric(c: MetricCase, layout: TensorLayout): Promise<string[]> {
  const Ctor = (M as unknown as Record<string, new (o: Record<string, unknown>) => CumulativeMetric>)[
    c.metric
  ];
  if (!Ctor) return [`csc-mlops/metrics does not export ${c.metric}`];
  const metric = new Ctor({ ...camelArgs(c.args), layout });
  const problems: string[] = [];
  for (const [i, call] of c.calls.entries()) {
    const yPred = await loadInput(call.y_pred, layout);
    const y = await loadInput(call.y, layout);
    const out = await metric.call(yPred, y, camelArgs(call.kwargs ?? {}));
    const spec = c.outputs.calls[i] as OutSpec;
    const d = await compareTensor(out, spec, layout, c.tolerance);
    if (d) problems.push(`call ${i}: ${d}`);
    tf.dispose([yPred, y, out]);
  }
  const agg = await metric.aggregate();
  const aggs = Array.isArray(agg) ? agg : [agg];
  const specs = Array.isArray(c.outputs.aggregate) ? c.outputs.aggregate : [c.outputs.aggregate];
  if (Array.isArray(agg) !== Array.isArray(c.outputs.aggregate) || aggs.length !== specs.length)
    problems.push(
      `aggregate: MONAI returned ${Array.isArray(c.outputs.aggregate) ? `a list of ${specs.length}` : 'one tensor'}, ` +
        `we returned ${Array.isArray(agg) ? `a list of ${aggs.length}` : 'one tensor'}`,
    );
  else
    for (const [j, t] of aggs.entries()) {
      const d = await compareTensor(t, specs[j] as OutSpec, layout, c.tolerance);
      if (d) problems.push(`aggregate${Array.isArray(agg) ? `[${j}]` : ''}: ${d}`);
    }
  tf.dispose(aggs);
  metric.reset();
  return problems;
}

/** Runs one case in one layout; returns the problems (empty = pass). */
export function runTrainingCase(c: TrainingCase, layout: TensorLayout): Promise<string[]> {
  return c.kind === 'loss' ? runLoss(c, layout) : runMetric(c, layout);
}

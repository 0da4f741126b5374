/**
 * MONAI 1.4 golden parity of csc-mlops/losses and csc-mlops/metrics: every "loss" and "metric" case of
 * test/golden/cases.json, channels-first on the arrays as stored and channels-last after moving axis 1
 * last. A case naming a class we do not export fails. Prints pass counts per family and layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TensorLayout } from '../src/backend/tensor-data.js';
import { caseClass, isExported, loadTrainingCases, runTrainingCase } from './support/golden-training.js';

const cases = loadTrainingCases();
const LAYOUTS: TensorLayout[] = ['channelsFirst', 'channelsLast'];
const tally = new Map<string, Record<TensorLayout, { pass: number; total: number }>>();

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

describe('MONAI 1.4 golden loss and metric cases', () => {
  it('has the loss and metric cases', () => {
    expect(cases.filter((c) => c.kind === 'loss').length).toBe(19);
    expect(cases.filter((c) => c.kind === 'metric').length).toBe(14);
  });
  for (const c of cases)
    for (const layout of LAYOUTS) {
      it(`${c.id} [${layout}] (${c.tolerance.class})`, async () => {
        const row = tally.get(c.family) ?? {
          channelsFirst: { pass: 0, total: 0 },
          channelsLast: { pass: 0, total: 0 },
        };
        tally.set(c.family, row);
        row[layout].total++;
        expect(isExported(c), `${caseClass(c)} is not exported`).toBe(true);
        const before = tf.memory().numTensors;
        const problems = await runTrainingCase(c, layout);
        expect(problems, c.description).toEqual([]);
        expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
        row[layout].pass++;
      });
    }
  afterAll(() => {
    const lines = [...tally.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([f, r]) =>
          `  ${f.padEnd(36)} channelsFirst ${r.channelsFirst.pass}/${r.channelsFirst.total}  channelsLast ${r.channelsLast.pass}/${r.channelsLast.total}`,
      );
    console.log(`golden loss/metric cases by family:\n${lines.join('\n')}`);
  });
});

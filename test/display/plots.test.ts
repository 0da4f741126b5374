import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchMontage, imagesFromBatch } from '../../src/display/batch-montage.js';
import { metricHistoryPlot } from '../../src/display/metric-history-plot.js';
import { toVegaLite } from '../../src/display/plot-spec.js';
import { renderPlot } from '../../src/display/render-plot.js';
import { renderSliceMontage } from '../../src/display/slice-montage.js';
import { svgToPng } from '../../src/display/svg-to-png.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { startRun } from '../../src/tracking/start-run.js';
import { FileStore } from '../../src/tracking/file-store.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'csc-display-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('plots', () => {
  it('renders a line plot to SVG with its series, labels and points, and to PNG', async () => {
    const svg = await renderPlot({
      kind: 'line',
      title: 'training',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [
        { name: 'train', x: [1, 2, 3], y: [0.9, 0.5, 0.25] },
        { name: 'val', x: [1, 2, 3], y: [1, 0.7, NaN] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['training', 'epoch', 'loss', 'train', 'val']) expect(svg).toContain(`>${text}<`);
    // 3 + 2 points (NaN dropped), drawn as symbols
    expect(svg.match(/role="graphics-symbol"/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
    const png = decode(svgToPng(svg, { scale: 1 }));
    expect(png.width).toBeGreaterThan(480);
    expect(png.height).toBeGreaterThan(300);
  });

  it('bar plots group bars and refuse empty or mismatched input', async () => {
    const spec = toVegaLite({
      kind: 'bar',
      bars: [
        { label: 'liver', value: 0.9, group: 'a' },
        { label: 'liver', value: 0.8, group: 'b' },
      ],
    });
    expect(JSON.stringify(spec)).toContain('"xOffset"');
    const svg = await renderPlot({ kind: 'bar', bars: [{ label: 'spleen', value: 0.7 }], yLabel: 'Dice' });
    expect(svg).toContain('>spleen<');
    expect(() => toVegaLite({ kind: 'bar', bars: [] })).toThrow(/at least one bar/);
    expect(() => toVegaLite({ kind: 'line', series: [{ name: 'a', x: [1], y: [] }] })).toThrow(/1 x values/);
    expect(() => toVegaLite({ kind: 'line', series: [{ name: 'a', x: [1], y: [1] }], width: 2 })).toThrow(
      /width/,
    );
  });

  it('plots MLflow metric histories from ./mlruns, one series per run', async () => {
    const store = new FileStore(join(dir, 'mlruns'));
    const ids: string[] = [];
    for (const [name, f] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      const run = await startRun({ store, runName: name, gitTags: false, handleSignals: false });
      for (let step = 0; step < 4; step++) run.logMetric('loss', f / (step + 1), { step });
      await run.end();
      ids.push(run.id);
    }
    const spec = await metricHistoryPlot(store, { runIds: ids, metrics: ['loss'] });
    expect(spec.series.map((s) => s.name)).toEqual(['a', 'b']);
    expect(spec.series[1]!.y).toEqual([2, 1, 2 / 3, 0.5]);
    expect(spec.series[0]!.x).toEqual([0, 1, 2, 3]);
    await expect(metricHistoryPlot(store, { runIds: ids, metrics: ['dice'] })).rejects.toThrow(
      /no metric 'dice'/,
    );
  });
});

describe('batchMontage', () => {
  it('shows one slice per batch item in both layouts, reading but not disposing the tensors', async () => {
    const before = tf.memory().numTensors;
    const items = [0, 1].map((b) => {
      const data = new Float32Array(4 * 3 * 2);
      for (let i = 0; i < data.length; i++) data[i] = b * 100 + i;
      return new MetaImage({ data, shape: [1, 4, 3, 2] });
    });
    // channels-last batch [2, 4, 3, 2, 1]
    const last = tf.tensor5d(Float32Array.from([...items[0]!.data, ...items[1]!.data]), [2, 4, 3, 2, 1]);
    const first = tf.transpose(last, [0, 4, 1, 2, 3]);
    const back = await imagesFromBatch(first, 'channelsFirst');
    expect(Array.from(back[1]!.data)).toEqual(Array.from(items[1]!.data));
    const opts = { window: { center: 127.5, width: 255 }, gap: 0 };
    const png = decode(await batchMontage(last, { ...opts, slice: 1 }));
    expect([png.width, png.height]).toEqual([8, 3]);
    // same pixels as each item's own montage at slice 1
    for (const [b, item] of items.entries()) {
      const own = renderSliceMontage(item, { ...opts, slices: [1] });
      for (let row = 0; row < 3; row++)
        for (let x = 0; x < 4; x++)
          expect(png.data[(row * 8 + b * 4 + x) * 3]).toBe(own.rgb[(row * 4 + x) * 3]);
    }
    const png2 = await batchMontage(first, { ...opts, slice: 1, layout: 'channelsFirst' });
    expect(Buffer.from(png2).equals(Buffer.from(await batchMontage(last, { ...opts, slice: 1 })))).toBe(true);
    await expect(batchMontage(last, { slice: 5 })).rejects.toThrow(/outside axis/);
    tf.dispose([last, first]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

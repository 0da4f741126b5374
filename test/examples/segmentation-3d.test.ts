import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentation3d } from '../../examples/segmentation-3d.js';

describe('examples/segmentation-3d.ts (MONAI 3D UNet dict tutorial), small size', () => {
  it('writes NIfTI + datalist, trains, validates with sliding windows, tracks in ./mlruns, leaks nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'csc-seg3d-'));
    try {
      const lines: string[] = [];
      const r = await segmentation3d({
        images: 4,
        val: 1,
        size: 24,
        crop: 16,
        roi: 16,
        epochs: 2,
        batchSize: 1,
        samples: 2,
        channels: [2, 4],
        out: join(root, 'data'),
        trackingUri: join(root, 'mlruns'),
        log: (l) => lines.push(l),
        quiet: true,
      });
      expect(r.valDice).toHaveLength(2);
      expect(r.losses).toHaveLength(2);
      for (const v of [...r.valDice, ...r.losses]) expect(Number.isFinite(v)).toBe(true);
      expect(r.valDice.every((d) => d >= 0 && d <= 1)).toBe(true);
      expect(r.leakedTensors).toBe(0);
      expect(await readdir(join(root, 'data'))).toEqual(
        expect.arrayContaining(['dataset.json', 'img0.nii.gz', 'seg3.nii.gz']),
      );
      const exps = (await readdir(join(root, 'mlruns'))).filter((d) => /^\d+$/.test(d) && d !== '0');
      expect(exps).toHaveLength(1);
      const runDir = join(root, 'mlruns', exps[0]!, r.runId);
      expect(await readFile(join(runDir, 'meta.yaml'), 'utf8')).toMatch(/status: 3/); // FINISHED
      expect(await readdir(join(runDir, 'metrics'))).toEqual(
        expect.arrayContaining(['loss', 'val_mean_dice']),
      );
      const dice = (await readFile(join(runDir, 'metrics', 'val_mean_dice'), 'utf8')).trim().split('\n');
      expect(dice).toHaveLength(2);
      expect(await readdir(join(runDir, 'artifacts', 'checkpoint'))).toEqual(
        expect.arrayContaining(['model.json', 'weights.bin', 'optimizer.bin', 'checkpoint.json']),
      );
      expect(await readdir(join(runDir, 'artifacts', 'model'))).toContain('model.json');
      expect(lines.join('\n')).toMatch(/epoch 2\/2: loss .* held-out mean Dice/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

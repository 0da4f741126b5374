/**
 * Installed as users install it: `npm pack` (whose `prepack` builds dist/), the tarball unpacked into a
 * scratch project's node_modules with its dependencies and peer dependencies linked from this
 * repository's node_modules (what `npm ci` installed: no registry, no network; `npm install` of the
 * tarball would need the registry's metadata, which `npm ci` does not cache), a README-style training
 * script type-checked against the published types and run, and the package loaded from CommonJS
 * through the `default` export condition.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'csc-mlops-pack-'));
const project = path.join(work, 'project');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const script = `import * as tf from '@tensorflow/tfjs';
import { MetaImage } from 'csc-mlops';
import { CacheDataset, DataLoader, createTestImage3d } from 'csc-mlops/datasets';
import { Compose, EnsureChannelFirstd, RandSpatialCropd, ScaleIntensityRanged, ToTensord } from 'csc-mlops/transforms';

const data = [0, 1, 2, 3].map((seed) => {
  const { image, shape } = createTestImage3d(24, 24, 16, { radMax: 6, radMin: 3, randomState: seed });
  return { image: new MetaImage({ data: image, shape, dtype: 'float32' }) };
});
const transform = new Compose([
  new EnsureChannelFirstd({ keys: ['image'], channelDim: 'no_channel' }),
  new ScaleIntensityRanged({ keys: ['image'], aMin: 0, aMax: 1, bMin: -1, bMax: 1, clip: true }),
  new RandSpatialCropd({ keys: ['image'], roiSize: [16, 16, 8] }),
  new ToTensord({ keys: ['image'] }),
]);
const ds = await CacheDataset.create({ data, transform, cacheRate: 1 });
const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0 });
const shapes: number[][] = [];
for await (const batch of loader) {
  const x = batch.image as tf.Tensor;
  shapes.push(x.shape);
  tf.dispose(x);
}
// two worker threads from the installed package's bundled worker script: the same batches
const values = async (numWorkers: number): Promise<number[]> => {
  const l = new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0, numWorkers });
  const out: number[] = [];
  for await (const batch of l) {
    out.push(...(await (batch.image as tf.Tensor).data()));
    batch.dispose();
  }
  await l.close();
  return out;
};
const nw0 = await values(0);
const nw2 = await values(2);
console.log(JSON.stringify({ shapes, workersSame: nw0.length > 0 && JSON.stringify(nw0) === JSON.stringify(nw2) }));
`;

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}${err.stderr ?? ''}`, {
      cause: e,
    });
  }
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('packs dist/, installs offline with its peers, type-checks and runs a training script, and loads from CommonJS', () => {
    const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/transforms/index.d.ts');
    expect(files).toContain('dist/datasets/worker-entry.bundle.js'); // what worker threads run
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);

    mkdirSync(path.join(project, 'node_modules', 'csc-mlops'), { recursive: true });
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    run(
      'tar',
      ['-xzf', path.join(work, packed[0]!.filename), '--strip-components=1', '-C', 'node_modules/csc-mlops'],
      project,
    );
    const installed = JSON.parse(
      readFileSync(path.join(project, 'node_modules/csc-mlops/package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    const needed = [
      ...Object.keys(installed.dependencies),
      ...Object.keys(installed.peerDependencies).filter((p) => !installed.peerDependenciesMeta[p]?.optional),
      '@tensorflow/tfjs', // the user's choice of backend bundle, as in the README
    ];
    for (const dep of needed) {
      const from = path.join(root, 'node_modules', dep);
      if (!existsSync(from)) throw new Error(`${dep} is not installed here: run \`npm ci\` in ${root} first`);
      mkdirSync(path.dirname(path.join(project, 'node_modules', dep)), { recursive: true });
      symlinkSync(from, path.join(project, 'node_modules', dep), 'dir');
    }

    writeFileSync(path.join(project, 'train.ts'), script);
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          types: [],
          outDir: 'out',
        },
        files: ['train.ts'],
      }),
    );
    run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', project], project);
    const out = JSON.parse(run(process.execPath, ['out/train.js'], project)) as {
      shapes: number[][];
      workersSame: boolean;
    };
    expect(out.workersSame).toBe(true);
    expect(out.shapes).toEqual([
      [2, 16, 16, 8, 1],
      [2, 16, 16, 8, 1],
    ]);

    // CommonJS (a tslab notebook cell compiles to it): require() through the default condition.
    const cjs = run(
      process.execPath,
      [
        '-e',
        "const t = require('csc-mlops/transforms'); console.log(typeof t.Compose, typeof require('csc-mlops').MetaImage)",
      ],
      project,
    );
    expect(cjs.trim()).toBe('function function');
  }, 240_000);
});

/**
 * Executes every example notebook headlessly with the script users run (`npm run notebooks`), into a
 * temporary folder, and checks what a reader of the committed notebooks sees: every code cell ran, no
 * error output, and the pictures are there. Needs Debian's Jupyter (.ci/apt-packages) and the npm
 * registry once (tslab is installed into .cache/tslab).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../support/require-tool.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NB = join(REPO, 'examples', 'notebooks');
let out: string;

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string[];
}
interface Cell {
  cell_type: string;
  /** nbclient records when each cell ran (tslab leaves execution_count null). */
  metadata?: { execution?: { 'shell.execute_reply'?: string } };
  outputs?: Output[];
}

beforeAll(async () => {
  requireTool(
    'jupyter',
    'apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbconvert jupyter-client python3-ipykernel',
  );
  out = await mkdtemp(join(tmpdir(), 'csc-notebooks-'));
  execFileSync('npx', ['tsx', join(NB, 'run-notebooks.ts'), '--out', out], {
    cwd: REPO,
    stdio: 'inherit',
    timeout: 900_000,
  });
}, 960_000);
afterAll(async () => rm(out, { recursive: true, force: true }));

describe('example notebooks', async () => {
  const names = (await readdir(NB)).filter((f) => f.endsWith('.ipynb')).sort();

  it('there are notebooks for quickstart, XNAT, segmentation and tracking', () => {
    for (const p of ['01-quickstart', '02-xnat-actions', '03-segmentation-3d', '04-experiment-tracking'])
      expect(names).toContain(`${p}.ipynb`);
  });

  for (const name of names)
    it(`${name}: every code cell ran without an error, and it shows pictures`, async () => {
      const nb = JSON.parse(await readFile(join(out, name), 'utf8')) as { cells: Cell[] };
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      expect(code.length).toBeGreaterThan(2);
      for (const c of code) {
        expect(c.metadata?.execution?.['shell.execute_reply'], 'cell not executed').toBeTypeOf('string');
        for (const o of c.outputs ?? []) expect(o.output_type).not.toBe('error');
      }
      const pngs = code.flatMap((c) => (c.outputs ?? []).filter((o) => o.data?.['image/png'] !== undefined));
      expect(pngs.length).toBeGreaterThan(0);
      // the committed copy also carries its outputs (the notebooks read well on a code host)
      const committed = JSON.parse(await readFile(join(NB, name), 'utf8')) as { cells: Cell[] };
      expect(
        committed.cells.some((c) => (c.outputs ?? []).some((o) => o.data?.['image/png'] !== undefined)),
      ).toBe(true);
    });
});

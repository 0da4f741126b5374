/**
 * Executes the example notebooks headlessly, as a user would run them: builds the package, installs the
 * tslab TypeScript kernel (from npm, into .cache/tslab) and registers it for Debian's Jupyter (into
 * .cache/jupyter), links `csc-mlops` into examples/notebooks/node_modules so the notebooks import the
 * package by its name, then runs `jupyter nbconvert --execute` on each notebook.
 *
 *   npm run notebooks                          # execute all, write outputs in place (to commit them)
 *   npx tsx examples/notebooks/run-notebooks.ts --out /tmp/nb 01-quickstart   # some, elsewhere
 *
 * Needs Debian's Jupyter: apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbconvert
 * jupyter-client python3-ipykernel (listed in .ci/apt-packages).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const TSLAB_VERSION = '1.0.22';
const MAX_BYTES = 2 * 1024 * 1024;
const APT =
  'apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbconvert jupyter-client python3-ipykernel';

function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
) {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO,
    env: opts.env ?? process.env,
    stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed (exit ${r.status})${opts.quiet ? `:\n${r.stdout}${r.stderr}` : ''}`,
    );
  return r.stdout;
}

/** Debian's jupyter (a pyenv python3 earlier on PATH does not have nbconvert). */
function findJupyter(): { jupyter: string; python: string } {
  const jupyter = ['/usr/bin/jupyter', '/usr/local/bin/jupyter'].find((p) => existsSync(p));
  const python = '/usr/bin/python3';
  if (!jupyter || !existsSync(python)) throw new Error(`Jupyter is not installed: ${APT}`);
  try {
    execFileSync(jupyter, ['nbconvert', '--version'], { stdio: 'pipe' });
    execFileSync(python, ['-c', 'import ipykernel, nbclient'], { stdio: 'pipe' });
  } catch {
    throw new Error(`Jupyter's nbconvert or ipykernel is missing: ${APT}`);
  }
  return { jupyter, python };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '1200' },
    },
  });
  const { jupyter, python } = findJupyter();
  if (!values['no-build']) {
    console.log('building the package (npm run build)');
    sh('npm', ['run', '--silent', 'build']);
  }
  const tslabDir = join(REPO, '.cache', 'tslab');
  const tslab = join(tslabDir, 'node_modules', '.bin', 'tslab');
  if (!existsSync(tslab)) {
    console.log(`installing tslab ${TSLAB_VERSION} into ${tslabDir}`);
    await mkdir(tslabDir, { recursive: true });
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefix', tslabDir, `tslab@${TSLAB_VERSION}`], {
      quiet: true,
    });
  }
  const jupyterPrefix = join(REPO, '.cache', 'jupyter');
  sh(tslab, ['install', `--python=${python}`, `--binary=${tslab}`, `--prefix=${jupyterPrefix}`], {
    quiet: true,
  });
  const env = {
    ...process.env,
    JUPYTER_PATH: join(jupyterPrefix, 'share', 'jupyter'),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };

  // `import 'csc-mlops/...'` resolves as in a user's project (runtime through "exports", types for
  // tslab's TypeScript 5.0 through "typesVersions")
  const link = join(HERE, 'node_modules', 'csc-mlops');
  await mkdir(dirname(link), { recursive: true });
  await rm(link, { force: true, recursive: true });
  await symlink(resolve(REPO), link, 'dir');

  const all = (await readdir(HERE)).filter((f) => f.endsWith('.ipynb')).sort();
  const chosen = positionals.length
    ? all.filter((f) => positionals.some((p) => f === p || f === `${p}.ipynb` || f.startsWith(p)))
    : all;
  if (chosen.length === 0)
    throw new Error(`no notebook matches ${positionals.join(', ')} (have: ${all.join(', ')})`);
  const outDir = values.out ? resolve(values.out) : HERE;
  await mkdir(outDir, { recursive: true });
  const results: { name: string; seconds: number; bytes: number }[] = [];
  for (const nb of chosen) {
    const t0 = Date.now();
    console.log(`executing ${nb}`);
    sh(
      jupyter,
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        `--ExecutePreprocessor.timeout=${values.timeout}`,
        '--ExecutePreprocessor.kernel_name=tslab',
        '--output-dir',
        outDir,
        '--output',
        nb,
        join(HERE, nb),
      ],
      { env, cwd: HERE, quiet: true },
    );
    const bytes = (await stat(join(outDir, nb))).size;
    results.push({ name: basename(nb), seconds: (Date.now() - t0) / 1000, bytes });
    if (bytes > MAX_BYTES)
      throw new Error(`${nb} is ${(bytes / 1e6).toFixed(2)} MB with outputs: keep it under 2 MB`);
  }
  console.log('\nnotebook                                 seconds   size (KB)');
  for (const r of results)
    console.log(
      `${r.name.padEnd(40)} ${r.seconds.toFixed(1).padStart(7)}   ${(r.bytes / 1024).toFixed(0).padStart(9)}`,
    );
}

main().catch((e: unknown) => {
  console.error(`run-notebooks: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});

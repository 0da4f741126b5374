import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { metricHistoryPlot } from '../display/metric-history-plot.js';
import { renderPlot } from '../display/render-plot.js';
import { svgToPng } from '../display/svg-to-png.js';
import { CscMlopsError } from '../errors.js';
import type { TrackingEnv } from './env.js';
import { Experiment } from './experiment.js';
import { createTrackingStore } from './start-run.js';

/** Where {@link runTrackingCli} writes and what it reads (tests inject these). */
export interface TrackingCliIo {
  /** Where command output goes (default process.stdout). */
  out?: (text: string) => void;
  /** Where errors and usage go (default process.stderr). */
  err?: (text: string) => void;
  env?: TrackingEnv;
  cwd?: string;
}

const USAGE = `usage: csc-mlops tracking <command> [options]

commands:
  run ENTRY_POINT [-c config.cfg] [-P name=value]... [--project-path DIR] [--use-localhost]
                  [--ignore-git-check] [-- ARGS...]
        run an [entry_points] command of config.cfg as an MLflow run (the seed's \`mlops run\`):
        checks git, creates the experiment and bucket, starts the command with MLFLOW_RUN_ID set,
        records FINISHED / FAILED / KILLED from its exit status
  info [-c config.cfg] [--project-path DIR] [--use-localhost] [--ignore-git-check]
        show the experiment, tracking URI, artifact root and code version
  runs [--experiment NAME] [--tracking-uri URI] [--max N] [--filter EXPR]
        list recent runs (default: MLFLOW_TRACKING_URI or ./mlruns, experiment MLFLOW_EXPERIMENT_NAME or Default)
  plot RUN_ID... [--metric loss]... [--tracking-uri URI] [--out curve.png|.svg] [--log]
        plot metric histories of one or more runs (PNG, or SVG by the file name)
  help
`;

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

/**
 * The `csc-mlops tracking …` subcommand. `argv` is what follows `tracking` (e.g. `['run', 'main']`).
 * Returns the process exit status: 0 ok, 1 failure (the run's status when a run failed), 2 usage.
 */
export async function runTrackingCli(argv: string[], io: TrackingCliIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => void process.stdout.write(t));
  const err = io.err ?? ((t: string) => void process.stderr.write(t));
  const env = io.env ?? process.env;
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
      case 'info': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            config: { type: 'string', short: 'c', default: 'config.cfg' },
            param: { type: 'string', short: 'P', multiple: true },
            'project-path': { type: 'string', default: io.cwd ?? process.cwd() },
            'use-localhost': { type: 'boolean', default: false },
            'ignore-git-check': { type: 'boolean', default: false },
            'run-name': { type: 'string' },
          },
        });
        const experiment = new Experiment({
          configPath: values.config,
          projectPath: values['project-path'],
          useLocalhost: values['use-localhost'],
          ignoreGitCheck: values['ignore-git-check'],
          env,
        });
        if (cmd === 'info') {
          out(`${await experiment.describe()}\n`);
          return 0;
        }
        const [entryPoint, ...args] = positionals;
        if (entryPoint === undefined) {
          err(`csc-mlops tracking run: name the entry point\n${USAGE}`);
          return 2;
        }
        const params: Record<string, string> = {};
        for (const p of values.param ?? []) {
          const eq = p.indexOf('=');
          if (eq <= 0) {
            err(`csc-mlops tracking run: -P expects name=value, got '${p}'\n`);
            return 2;
          }
          params[p.slice(0, eq)] = p.slice(eq + 1);
        }
        const result = await experiment.run(entryPoint, {
          params,
          args,
          ...(values['run-name'] ? { runName: values['run-name'] } : {}),
        });
        out(
          `run ${result.runId}: ${result.status}${result.exitCode !== null ? ` (exit ${result.exitCode})` : result.signal ? ` (${result.signal})` : ''}\n`,
        );
        return result.status === 'FINISHED'
          ? 0
          : result.exitCode !== null && result.exitCode > 0
            ? result.exitCode
            : 1;
      }
      case 'runs': {
        const { values } = parseArgs({
          args: rest,
          options: {
            experiment: { type: 'string' },
            'tracking-uri': { type: 'string' },
            max: { type: 'string', default: '20' },
            filter: { type: 'string' },
          },
        });
        const store = createTrackingStore(values['tracking-uri'], { env });
        const name = values.experiment ?? (env.MLFLOW_EXPERIMENT_NAME || 'Default');
        const exp = await store.getExperimentByName(name);
        if (!exp) {
          err(`no experiment named '${name}' at ${store.trackingUri}\n`);
          return 1;
        }
        const max = Number(values.max);
        if (!Number.isInteger(max) || max <= 0) {
          err(`--max must be a positive integer, got '${values.max}'\n`);
          return 2;
        }
        const page = await store.searchRuns({
          experimentIds: [exp.experiment_id],
          maxResults: max,
          ...(values.filter ? { filter: values.filter } : {}),
        });
        out(`experiment '${exp.name}' (${exp.experiment_id}) at ${store.trackingUri}\n`);
        for (const r of page.items) {
          const metrics = r.data.metrics.map((m) => `${m.key}=${fmt(m.value)}`).join(' ');
          out(
            `${r.info.run_id}  ${r.info.status.padEnd(8)}  ${new Date(r.info.start_time).toISOString()}  ${r.info.run_name}${metrics ? `  ${metrics}` : ''}\n`,
          );
        }
        if (page.items.length === 0) out('(no runs)\n');
        return 0;
      }
      case 'plot': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            metric: { type: 'string', multiple: true },
            'tracking-uri': { type: 'string' },
            out: { type: 'string' },
            log: { type: 'boolean', default: false },
          },
        });
        if (positionals.length === 0) {
          err(`csc-mlops tracking plot: name one or more run IDs\n${USAGE}`);
          return 2;
        }
        const store = createTrackingStore(values['tracking-uri'], { env });
        const metrics = values.metric ?? ['loss'];
        const spec = await metricHistoryPlot(store, {
          runIds: positionals,
          metrics,
          ...(values.log ? { yScale: 'log' as const } : {}),
        });
        const file = resolve(io.cwd ?? process.cwd(), values.out ?? `${metrics.join('-')}.png`);
        const svg = await renderPlot(spec);
        await writeFile(file, file.toLowerCase().endsWith('.svg') ? svg : svgToPng(svg));
        out(`${file}: ${spec.series.map((s) => `${s.name} (${s.x.length} points)`).join(', ')}\n`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        err(`unknown tracking command '${cmd}'\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof TypeError && String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      err(`csc-mlops tracking ${cmd}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CscMlopsError) {
      err(`csc-mlops tracking ${cmd}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

import { parseArgs } from 'node:util';
import { ConfigError, CscMlopsError, describeError } from '../errors.js';
import type { XnatConfig } from './config.js';
import type { FetchLike } from './http.js';
import { type XnatRow, resultRows } from './listing.js';
import { XnatSession } from './session.js';
import { XnatStandIn } from './stand-in/server.js';

/** Where the XNAT commands write, and what they read (tests inject these). */
export interface XnatCliIo {
  /** Where command output goes (default process.stdout). */
  stdout?: (text: string) => void;
  /** Where errors and usage go (default process.stderr). */
  stderr?: (text: string) => void;
  /** Environment for `XNAT_HOST` / `XNAT_USER` / `XNAT_PASS` / `NETRC` (default `process.env`). */
  env?: Record<string, string | undefined>;
  fetch?: FetchLike;
  /** Stops `xnat-stand-in` (default: SIGINT / SIGTERM). */
  signal?: AbortSignal;
  /** Called once the stand-in listens. */
  onListening?: (standIn: XnatStandIn) => void;
}

const USAGE = `Usage:
  csc-mlops xnat ls [PROJECT [SUBJECT [EXPERIMENT]]] [--server URL] [--user NAME] [--password PASS] [--json]
      Lists projects, a project's subjects, a subject's experiments, or an experiment's scans.
      Credentials: --user/--password, else XNAT_USER/XNAT_PASS, else ~/.netrc; server: --server or XNAT_HOST.
  csc-mlops xnat-stand-in --root DIR [--port N] [--host 127.0.0.1] [--user admin --password admin]
                          [--latency MS] [--session-timeout MS]
      Serves DIR (PROJECT/SUBJECT/EXPERIMENT/SCAN/files, or a .json description) as an XNAT server.
`;

/** Pads columns into a plain-text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

async function ls(
  args: string[],
  io: Required<Pick<XnatCliIo, 'stdout' | 'stderr'>> & XnatCliIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      netrc: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length > 3)
    throw new ConfigError(
      `xnat ls takes at most PROJECT SUBJECT EXPERIMENT (got ${positionals.length} names)`,
    );
  const cfg: XnatConfig = { env: io.env ?? process.env };
  if (values.server !== undefined) cfg.server = values.server;
  if (values.user !== undefined) cfg.user = values.user;
  if (values.password !== undefined) cfg.password = values.password;
  if (values.netrc !== undefined) cfg.netrc = values.netrc;
  if (io.fetch) cfg.fetch = io.fetch;
  cfg.keepAlive = false;
  const session = await XnatSession.connect(cfg);
  try {
    const [project, subject, experiment] = positionals.map((p) => encodeURIComponent(p));
    let path: string;
    let columns: [string, string][];
    let what: string;
    if (project === undefined) {
      path = '/data/projects';
      what = 'project listing';
      columns = [
        ['ID', 'ID'],
        ['name', 'name'],
        ['secondary_ID', 'secondary ID'],
        ['description', 'description'],
      ];
    } else if (subject === undefined) {
      path = `/data/projects/${project}/subjects`;
      what = `project '${positionals[0]}'`;
      columns = [
        ['label', 'label'],
        ['ID', 'ID'],
        ['project', 'project'],
        ['insert_date', 'inserted'],
      ];
    } else if (experiment === undefined) {
      path = `/data/projects/${project}/subjects/${subject}/experiments`;
      what = `subject '${positionals[1]}' of project '${positionals[0]}'`;
      columns = [
        ['label', 'label'],
        ['ID', 'ID'],
        ['date', 'date'],
        ['xsiType', 'type'],
      ];
    } else {
      path = `/data/projects/${project}/subjects/${subject}/experiments/${experiment}/scans`;
      what = `experiment '${positionals[2]}' of subject '${positionals[1]}'`;
      columns = [
        ['ID', 'ID'],
        ['type', 'type'],
        ['series_description', 'series description'],
        ['quality', 'quality'],
      ];
    }
    const rows: XnatRow[] = resultRows(await session.getJson(path, { what }), session.url(path));
    if (values.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length === 0)
      io.stdout(
        `(no ${project === undefined ? 'projects' : subject === undefined ? 'subjects' : experiment === undefined ? 'experiments' : 'scans'})\n`,
      );
    else
      io.stdout(
        formatTable(
          columns.map((c) => c[1]),
          rows.map((r) => columns.map((c) => r[c[0]] ?? '')),
        ),
      );
    return 0;
  } finally {
    await session.close();
  }
}

async function standIn(
  args: string[],
  io: Required<Pick<XnatCliIo, 'stdout' | 'stderr'>> & XnatCliIo,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      root: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      latency: { type: 'string' },
      'session-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (!values.root)
    throw new ConfigError(
      'xnat-stand-in needs --root DIR (a PROJECT/SUBJECT/EXPERIMENT/SCAN tree or a .json description)',
    );
  const num = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new ConfigError(
        `xnat-stand-in: ${name} must be a non-negative integer (got ${JSON.stringify(v)})`,
      );
    return n;
  };
  if ((values.user === undefined) !== (values.password === undefined))
    throw new ConfigError('xnat-stand-in: give both --user and --password (default admin / admin)');
  const opts: Parameters<typeof XnatStandIn.start>[0] = { root: values.root };
  const port = num(values.port, '--port');
  if (port !== undefined) opts.port = port;
  if (values.host !== undefined) opts.host = values.host;
  if (values.user !== undefined) opts.users = { [values.user]: values.password! };
  const latency = num(values.latency, '--latency');
  if (latency !== undefined) opts.latencyMs = latency;
  const timeout = num(values['session-timeout'], '--session-timeout');
  if (timeout !== undefined) opts.sessionTimeoutMs = timeout;
  const server = await XnatStandIn.start(opts);
  const projects = server.archive.projects;
  const nSubjects = projects.reduce((a, p) => a + p.subjects.length, 0);
  io.stdout(
    `XNAT stand-in serving ${values.root} at ${server.url} ` +
      `(${projects.length} project${projects.length === 1 ? '' : 's'}, ${nSubjects} subject${nSubjects === 1 ? '' : 's'}; ` +
      `user ${values.user ?? Object.keys(server.archive.users)[0] ?? 'admin'}). Ctrl-C stops it.\n`,
  );
  io.onListening?.(server);
  await new Promise<void>((ok) => {
    if (io.signal) {
      if (io.signal.aborted) return ok();
      io.signal.addEventListener('abort', () => ok(), { once: true });
    } else {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        ok();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }
  });
  await server.close();
  return 0;
}

/**
 * The XNAT commands of the `csc-mlops` CLI: `xnat ls [project [subject [experiment]]]` and
 * `xnat-stand-in --root DIR --port N`. `argv` starts at the command (`['xnat', 'ls', 'P']` or
 * `['xnat-stand-in', '--root', 'dir']`). Returns the exit code (0 ok, 1 error, 2 usage).
 */
export async function runXnatCli(argv: string[], io: XnatCliIo = {}): Promise<number> {
  const out = {
    ...io,
    stdout: io.stdout ?? ((s: string) => void process.stdout.write(s)),
    stderr: io.stderr ?? ((s: string) => void process.stderr.write(s)),
  };
  let args = [...argv];
  let command: string | undefined;
  if (args[0] === 'xnat-stand-in' || args[0] === 'stand-in') {
    command = 'stand-in';
    args = args.slice(1);
  } else {
    if (args[0] === 'xnat') args = args.slice(1);
    command = args.shift();
  }
  try {
    if (command === 'ls') return await ls(args, out);
    if (command === 'stand-in') return await standIn(args, out);
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      out.stdout(USAGE);
      return command === undefined ? 2 : 0;
    }
    out.stderr(`csc-mlops xnat: unknown command '${command}'\n${USAGE}`);
    return 2;
  } catch (e) {
    const usage = (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usage) {
      out.stderr(`csc-mlops xnat: ${describeError(e)}\n${USAGE}`);
      return 2;
    }
    out.stderr(`csc-mlops xnat: ${e instanceof CscMlopsError ? e.message : describeError(e)}\n`);
    return e instanceof ConfigError ? 2 : 1;
  }
}

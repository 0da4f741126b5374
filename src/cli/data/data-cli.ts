import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import type { XnatConfig } from '../../xnat/config.js';
import { type XnatRow, resultRows } from '../../xnat/listing.js';
import { XnatSession } from '../../xnat/session.js';
import { formatTable } from '../../xnat/cli.js';
import { type FolderInventory, inventoryFolder } from './inventory.js';
import {
  type ProjectRecord,
  folderStats,
  projectFileName,
  projectFilesIn,
  readProjectFile,
  writeProjectFile,
} from './project-file.js';

const USAGE = `usage: csc-mlops data <command> [options]

commands:
  init [--dir DIR] [--uid UID] [--name NAME] [--start-date YYYY-MM-DD]
       [--pathologies TEXT] [--anomalies TEXT] [--experiments TEXT] [--force]
        write DIR/<UID>_<NAME>_Project.yaml (the seed datatoolkit's file); prompts for missing
        fields on a terminal, else every required field must be given as a flag
  view [DIR] [--files] [--json] [--quiet]
        refresh the size/count fields of the project files in DIR and its immediate subfolders,
        print them as a table, and list what the images' headers say (formats, modalities, series,
        shapes, spacings, orientations) and every file that could not be read, with why;
        --files lists every file's verdict, --json prints all of it as JSON
  view --xnat PROJECT [--server URL --user NAME --password PASS] [--json]
        the same inventory for an XNAT project, from its listings (nothing is downloaded)
`;

/** Where `data` writes and reads (tests inject these). */
export interface DataCliIo {
  stdout?: (t: string) => void;
  stderr?: (t: string) => void;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Whether to prompt for missing fields (default: stdin is a terminal). */
  interactive?: boolean;
}

const DEFAULT_TEXT = 'Replace this text';
const cut = (s: unknown) => {
  const t = String(s ?? '');
  return t.length > 20 ? `${t.slice(0, 17)}...` : t;
};

function tally<T>(items: T[], key: (t: T) => string | undefined): string {
  const m = new Map<string, number>();
  for (const i of items) {
    const k = key(i);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} (${n})`)
    .join(', ');
}

async function init(
  args: string[],
  io: Required<Omit<DataCliIo, 'env' | 'interactive'>> & DataCliIo,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: 'string' },
      uid: { type: 'string' },
      name: { type: 'string' },
      'start-date': { type: 'string' },
      pathologies: { type: 'string' },
      anomalies: { type: 'string' },
      experiments: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  const dir = resolve(io.cwd, values.dir ?? '.');
  const fields: Record<'uid' | 'name' | 'start-date', string | undefined> = {
    uid: values.uid,
    name: values.name,
    'start-date': values['start-date'],
  };
  const missing = (Object.keys(fields) as (keyof typeof fields)[]).filter((k) => fields[k] === undefined);
  if (missing.length > 0) {
    if (!(io.interactive ?? process.stdin.isTTY === true))
      throw new ConfigError(
        `data init needs ${missing.map((m) => `--${m}`).join(', ')} (no terminal to ask on)`,
      );
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      for (const m of missing) fields[m] = (await rl.question(`${m.replace('-', ' ')}: `)).trim();
    } finally {
      rl.close();
    }
  }
  const uid = fields.uid!;
  const name = fields.name!;
  const start = fields['start-date']!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(uid))
    throw new ConfigError(
      `--uid '${uid}' must be letters, digits, '.', '_' or '-' (it becomes part of a file name)`,
    );
  if (name === '' || /[/\\]/.test(name))
    throw new ConfigError(`--name '${name}' must be non-empty and have no slashes`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(start)))
    throw new ConfigError(`--start-date '${start}' must be a date as yyyy-mm-dd`);
  const existing = await projectFilesIn(dir);
  const target = join(dir, projectFileName(uid, name));
  if (existing.length > 0 && !values.force)
    throw new ConfigError(
      `${existing.map((f) => basename(f)).join(', ')} already in ${dir}: pass --force to write another`,
    );
  const record: ProjectRecord = {
    'Project UID': uid,
    'Project name': name,
    'Project start date': start,
    Pathologies: values.pathologies ?? DEFAULT_TEXT,
    Anomalies: values.anomalies ?? DEFAULT_TEXT,
    Experiments: values.experiments ?? DEFAULT_TEXT,
    ...(await folderStats(dir)),
  };
  await writeProjectFile(dir, record);
  io.stdout(`wrote ${target}\n`);
  return 0;
}

function inventoryText(inv: FolderInventory, listFiles: boolean): string {
  const lines: string[] = [];
  const c = inv.counts;
  lines.push(
    `images: ${c.nifti} NIfTI, ${c.dicom} DICOM series, ${c.numpy} .npy; ${c.unreadable} unreadable file(s), ${c.skipped} other file(s)`,
  );
  const imgs = inv.images;
  if (imgs.length > 0) {
    lines.push(`  modalities:   ${tally(imgs, (i) => i.modality) || '(none recorded)'}`);
    lines.push(
      `  series:       ${new Set(imgs.filter((i) => i.series).map((i) => i.series)).size} DICOM series`,
    );
    lines.push(`  shapes:       ${tally(imgs, (i) => i.shape.join('×'))}`);
    lines.push(
      `  spacings:     ${tally(imgs, (i) => i.spacing.map((s) => Number(s.toPrecision(4))).join('×'))}`,
    );
    lines.push(`  orientations: ${tally(imgs, (i) => i.orientation)}`);
    lines.push(`  dtypes:       ${tally(imgs, (i) => i.dtype)}`);
  }
  const bad = inv.files.filter((f) => f.status === 'unreadable');
  if (bad.length > 0) {
    lines.push('could not be read:');
    for (const f of bad) lines.push(`  ${f.file}: ${f.reason ?? ''}`);
  }
  if (listFiles) {
    lines.push('files:');
    for (const f of inv.files) {
      const img = f.image !== undefined ? inv.images[f.image] : undefined;
      const what =
        f.status === 'image' && img
          ? `${f.format} ${img.shape.join('×')} ${img.orientation}${img.modality ? ` ${img.modality}` : ''}`
          : f.status === 'unreadable'
            ? `unreadable: ${f.reason ?? ''}`
            : 'skipped (not an image format)';
      lines.push(`  ${f.file}  ${what}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function xnatInventory(
  project: string,
  values: { server?: string | undefined; user?: string | undefined; password?: string | undefined },
  env: Record<string, string | undefined>,
) {
  const cfg: XnatConfig = { env, keepAlive: false };
  if (values.server !== undefined) cfg.server = values.server;
  if (values.user !== undefined) cfg.user = values.user;
  if (values.password !== undefined) cfg.password = values.password;
  const session = await XnatSession.connect(cfg);
  try {
    const p = encodeURIComponent(project);
    const get = async (path: string, what: string): Promise<XnatRow[]> =>
      resultRows(await session.getJson(path, { what }), session.url(path));
    const subjects = await get(`/data/projects/${p}/subjects`, `project '${project}'`);
    const experiments: XnatRow[] = [];
    const scans: (XnatRow & { experiment: string })[] = [];
    for (const s of subjects) {
      const sid = encodeURIComponent(s.ID ?? '');
      const exps = await get(`/data/projects/${p}/subjects/${sid}/experiments`, `a subject of '${project}'`);
      experiments.push(...exps);
      for (const e of exps) {
        const eid = encodeURIComponent(e.ID ?? '');
        for (const scan of await get(`/data/experiments/${eid}/scans`, `experiment ${e.ID ?? ''}`))
          scans.push({ ...scan, experiment: e.ID ?? '' });
      }
    }
    return {
      project,
      server: session.server,
      subjects: subjects.length,
      experiments: experiments.length,
      experimentTypes: tally(experiments, (e) => e.xsiType),
      scans: scans.length,
      scanTypes: tally(scans, (s) => s.type),
      seriesDescriptions: tally(scans, (s) => s.series_description),
      // experiment accession IDs and scan IDs only: subject labels can carry patient identifiers
      scanList: scans.map((s) => ({
        experiment: s.experiment,
        scan: s.ID ?? '',
        type: s.type ?? '',
        seriesDescription: s.series_description ?? '',
        quality: s.quality ?? '',
      })),
    };
  } finally {
    await session.close();
  }
}

async function view(
  args: string[],
  io: Required<Omit<DataCliIo, 'env' | 'interactive'>> & DataCliIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      files: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      xnat: { type: 'string' },
      server: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
    },
  });
  if (values.xnat !== undefined) {
    if (positionals.length > 0) throw new ConfigError('data view --xnat PROJECT takes no folder');
    const inv = await xnatInventory(values.xnat, values, io.env ?? process.env);
    if (values.json) io.stdout(`${JSON.stringify(inv, null, 2)}\n`);
    else
      io.stdout(
        `XNAT project ${inv.project} at ${inv.server}: ${inv.subjects} subjects, ${inv.experiments} experiments, ${inv.scans} scans\n` +
          `  experiment types:     ${inv.experimentTypes}\n  scan types:           ${inv.scanTypes}\n` +
          `  series descriptions:  ${inv.seriesDescriptions}\n`,
      );
    return 0;
  }
  if (positionals.length > 1) throw new ConfigError('data view takes at most one folder');
  const root = resolve(io.cwd, positionals[0] ?? '.');
  // the seed's view: project files in the immediate subfolders (and here, in the folder itself)
  const folders = [root];
  for (const e of await readdir(root, { withFileTypes: true }))
    if (e.isDirectory() && !e.name.startsWith('.')) folders.push(join(root, e.name));
  const projects: (ProjectRecord & { folder: string; file: string })[] = [];
  for (const f of folders)
    for (const file of await projectFilesIn(f)) {
      const rec = { ...(await readProjectFile(file)), ...(await folderStats(f)) };
      await writeProjectFile(f, rec);
      projects.push({ ...rec, folder: f, file });
    }
  const targets = projects.length > 0 ? [...new Set(projects.map((p) => p.folder))] : [root];
  const inventories: FolderInventory[] = [];
  for (const t of targets) {
    const progress =
      values.quiet || values.json
        ? {}
        : {
            onProgress: (done: number, total: number) => {
              if (done === total || done % 50 === 0) io.stderr(`\rreading ${t}: ${done}/${total} files`);
              if (done === total) io.stderr('\n');
            },
          };
    inventories.push(await inventoryFolder(t, progress));
  }
  if (values.json) {
    io.stdout(`${JSON.stringify({ projects, inventories }, null, 2)}\n`);
    return 0;
  }
  if (projects.length > 0)
    io.stdout(
      formatTable(
        [
          'UID',
          'name',
          'start',
          'pathologies',
          'anomalies',
          'experiments',
          'last updated',
          'MB',
          'folders',
          'files',
        ],
        projects.map((p) => [
          p['Project UID'],
          p['Project name'],
          p['Project start date'],
          cut(p.Pathologies),
          cut(p.Anomalies),
          cut(p.Experiments),
          p['Last updated'],
          String(p['Project Size (Mb)']),
          String(p['Number of folders']),
          String(p['Number of files']),
        ]),
      ),
    );
  else io.stdout(`no *_Project.yaml in ${root} or its subfolders (csc-mlops data init writes one)\n`);
  for (const inv of inventories) io.stdout(`\n${inv.root}\n${inventoryText(inv, values.files)}`);
  return 0;
}

/** `csc-mlops data init|view`: the seed's datatoolkit, plus what the image headers say. Returns the exit code. */
export async function runDataCli(argv: string[], io: DataCliIo = {}): Promise<number> {
  const full = {
    stdout: io.stdout ?? ((t: string) => void process.stdout.write(t)),
    stderr: io.stderr ?? ((t: string) => void process.stderr.write(t)),
    cwd: io.cwd ?? process.cwd(),
    ...(io.env ? { env: io.env } : {}),
    ...(io.interactive !== undefined ? { interactive: io.interactive } : {}),
  };
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'init':
      return init(rest, full);
    case 'view':
      return view(rest, full);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      full.stdout(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      full.stderr(`unknown data command '${cmd}'\n${USAGE}`);
      return 2;
  }
}

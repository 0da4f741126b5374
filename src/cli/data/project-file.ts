import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../errors.js';
import { writeFileAtomic } from '../../tracking/atomic-write.js';

/** The ten fields of a seed `datatoolkit` project file, in its order and with its names. */
export interface ProjectRecord {
  'Project UID': string;
  'Project name': string;
  /** `yyyy-mm-dd`. */
  'Project start date': string;
  Pathologies: string;
  Anomalies: string;
  Experiments: string;
  /** Latest modification time of any file, `yyyy-mm-dd HH:MM:SS` (UTC), or `never` for an empty folder. */
  'Last updated': string;
  'Project Size (Mb)': number;
  'Number of folders': number;
  'Number of files': number;
}

/** What the folder walk measures: the last four fields of a {@link ProjectRecord}. */
export type FolderStats = Pick<
  ProjectRecord,
  'Last updated' | 'Project Size (Mb)' | 'Number of folders' | 'Number of files'
>;

const FIELDS: readonly (keyof ProjectRecord)[] = [
  'Project UID',
  'Project name',
  'Project start date',
  'Pathologies',
  'Anomalies',
  'Experiments',
  'Last updated',
  'Project Size (Mb)',
  'Number of folders',
  'Number of files',
];

/** The seed's project file name: `<UID>_<name>_Project.yaml`. */
export function projectFileName(uid: string, name: string): string {
  return `${uid}_${name}_Project.yaml`;
}

const isProjectFile = (name: string) => name.endsWith('_Project.yaml');

/**
 * Size, file and folder counts and latest modification of a project folder, as the seed counts them:
 * hidden entries and `*_Project.yaml` files are not counted; size in MB is bytes / 1e6.
 */
export async function folderStats(dir: string): Promise<FolderStats> {
  let bytes = 0;
  let files = 0;
  let folders = 0;
  let latest = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        folders++;
        await walk(p);
      } else if (e.isFile() && !isProjectFile(e.name)) {
        const s = await stat(p);
        files++;
        bytes += s.size;
        latest = Math.max(latest, s.mtimeMs);
      }
    }
  };
  await walk(dir);
  return {
    'Last updated': latest === 0 ? 'never' : new Date(latest).toISOString().slice(0, 19).replace('T', ' '),
    'Project Size (Mb)': Math.round(bytes / 1e3) / 1e3,
    'Number of folders': folders,
    'Number of files': files,
  };
}

/** The YAML text of a project file: a list of ten single-key maps, as the seed writes it. */
export function formatProjectFile(record: ProjectRecord): string {
  return stringify(
    FIELDS.map((k) => ({ [k]: record[k] })),
    { version: '1.1' },
  );
}

/** Reads a project file (the seed's list of single-key maps); a missing field is a {@link ConfigError}. */
export async function readProjectFile(file: string): Promise<ProjectRecord> {
  const doc: unknown = parse(await readFile(file, 'utf8'), { version: '1.1' });
  if (!Array.isArray(doc))
    throw new ConfigError(
      `${file} is not a datatoolkit project file (expected a YAML list of single-key maps)`,
    );
  const merged: Record<string, unknown> = Object.assign({}, ...doc.filter((x) => x && typeof x === 'object'));
  for (const k of FIELDS)
    if (!(k in merged))
      throw new ConfigError(`${file} has no '${k}' entry; run \`csc-mlops data init\` again`);
  return merged as unknown as ProjectRecord;
}

/** Writes a project file atomically (a crash never leaves half a file). */
export async function writeProjectFile(dir: string, record: ProjectRecord): Promise<string> {
  const file = join(dir, projectFileName(record['Project UID'], record['Project name']));
  await writeFileAtomic(file, formatProjectFile(record));
  return file;
}

/** The `*_Project.yaml` files directly in `dir`. */
export async function projectFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && isProjectFile(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../../errors.js';
import {
  type DicomSeriesHeader,
  isNiftiName,
  looksLikeDicom,
  readDicomSeriesHeader,
} from '../dicom-header.js';
import type {
  StandInDescription,
  StandInExperimentSpec,
  StandInFileSpec,
  StandInMetaSpec,
  StandInResourceSpec,
  StandInScanSpec,
  StandInSubjectSpec,
} from './description.js';

/** `create_event_id` and `start_date` of an item. */
export interface ItemMeta {
  create_event_id: number;
  start_date: string;
}

/** One file of a stand-in resource. */
export interface ArchiveFile {
  /** Path inside the resource. */
  name: string;
  size: number;
  mtime: Date;
  /** The file's bytes. */
  read(): Promise<Buffer>;
  /** MD5 hex, computed on first use. */
  digest(): Promise<string>;
}

/** A resource (catalog) of a scan. */
export interface ArchiveResource {
  id: number;
  label: string;
  format: string | undefined;
  content: string | undefined;
  tags: { id: number; tag: string; meta: ItemMeta }[];
  catalogUri: string;
  fileCount: number | undefined;
  fileSize: number | undefined;
  meta: ItemMeta;
  files: ArchiveFile[];
}

/** A scan. */
export interface ArchiveScan {
  id: string;
  imagescandataId: number;
  type: string | undefined;
  series_description: string | undefined;
  quality: string | undefined;
  note: string | undefined;
  xsiType: string;
  frames: number | undefined;
  modality: string | undefined;
  uid: string | undefined;
  fields: Record<string, string | number | boolean>;
  meta: ItemMeta;
  shares: { project: string; label: string | undefined; id: number; meta: ItemMeta }[];
  resources: ArchiveResource[];
  experiment: ArchiveExperiment;
}

/** An imaging session. */
export interface ArchiveExperiment {
  id: string;
  label: string;
  date: string | undefined;
  xsiType: string;
  modality: string | undefined;
  project: string;
  insert_date: string;
  insert_user: string;
  uid: string | undefined;
  fields: Record<string, string | number | boolean>;
  meta: ItemMeta;
  scans: ArchiveScan[];
  subject: ArchiveSubject;
}

/** A subject. */
export interface ArchiveSubject {
  id: string;
  label: string;
  project: string;
  insert_date: string;
  insert_user: string;
  fields: Record<string, string | number | boolean>;
  meta: ItemMeta;
  experiments: ArchiveExperiment[];
}

/** A project. */
export interface ArchiveProject {
  id: string;
  name: string;
  secondary_ID: string;
  description: string;
  pi_firstname: string;
  pi_lastname: string;
  aliases: string[];
  meta: ItemMeta;
  subjects: ArchiveSubject[];
}

const SESSION_TYPES: Record<string, string> = {
  MR: 'mr',
  CT: 'ct',
  PT: 'pet',
  PET: 'pet',
  US: 'us',
  CR: 'cr',
  DX: 'dx',
  MG: 'mg',
  NM: 'nm',
  XA: 'xa',
};

/** `xnat:mrSessionData` for `MR`, ... (`xnat:otherDicomSessionData` otherwise). */
export function sessionXsiType(modality: string | undefined): string {
  const t = modality ? SESSION_TYPES[modality.toUpperCase()] : undefined;
  return t ? `xnat:${t}SessionData` : 'xnat:otherDicomSessionData';
}

/** `xnat:mrScanData` for `MR`, ... (`xnat:otherDicomScanData` otherwise). */
export function scanXsiType(modality: string | undefined): string {
  const t = modality ? SESSION_TYPES[modality.toUpperCase()] : undefined;
  return t ? `xnat:${t}ScanData` : 'xnat:otherDicomScanData';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** Java's `Date.toString()` in UTC: `Tue Sep 15 16:13:33 UTC 2020`. */
export function javaDateString(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** XNAT's `insert_date` format: `2019-03-05 16:46:37.103` (UTC here). */
export function xnatTimestamp(d: Date): string {
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function diskFile(name: string, path: string): Promise<ArchiveFile> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new ConfigError(`XNAT stand-in: file ${path} (resource file '${name}') does not exist`);
  }
  let md5: string | undefined;
  return {
    name,
    size: st.size,
    mtime: st.mtime,
    read: () => readFile(path),
    async digest() {
      md5 ??= createHash('md5')
        .update(await readFile(path))
        .digest('hex');
      return md5;
    },
  };
}

function memoryFile(name: string, data: Buffer, mtime: Date): ArchiveFile {
  const md5 = createHash('md5').update(data).digest('hex');
  return { name, size: data.length, mtime, read: async () => data, digest: async () => md5 };
}

/**
 * The stand-in's archive: projects, subjects, experiments, scans, resources and files, with
 * accession IDs and XNAT's lookup rules (ID or label, scan ID or type, resource ID or label).
 */
export class Archive {
  readonly siteId: string;
  readonly users: Record<string, string>;
  readonly projects: ArchiveProject[] = [];
  private eventId = 1000;
  private subjectCounter = 0;
  private experimentCounter = 0;
  private scanCounter = 0;
  private resourceCounter = 0;
  private tagCounter = 0;
  private shareCounter = 0;
  private readonly created: Date;

  private constructor(desc: StandInDescription, created: Date) {
    this.siteId = desc.siteId ?? 'XNAT';
    this.users = desc.users ?? { admin: 'admin' };
    this.created = created;
  }

  /** Builds the archive from a description; relative paths resolve against `baseDir`. */
  static async fromDescription(desc: StandInDescription, baseDir = process.cwd()): Promise<Archive> {
    if (!desc || !Array.isArray(desc.projects))
      throw new ConfigError('XNAT stand-in description needs a "projects" array');
    const a = new Archive(desc, new Date());
    const ids = new Set<string>();
    for (const p of desc.projects) {
      if (typeof p.id !== 'string' || p.id === '')
        throw new ConfigError('XNAT stand-in: every project needs an "id"');
      if (a.projects.some((x) => x.id === p.id))
        throw new ConfigError(`XNAT stand-in: project '${p.id}' is described twice`);
      const project: ArchiveProject = {
        id: p.id,
        name: p.name ?? p.id,
        secondary_ID: p.secondary_ID ?? p.id,
        description: p.description ?? '',
        pi_firstname: p.pi_firstname ?? '',
        pi_lastname: p.pi_lastname ?? '',
        aliases: p.aliases ?? [],
        meta: a.meta(undefined),
        subjects: [],
      };
      a.projects.push(project);
      for (const s of p.subjects ?? []) project.subjects.push(await a.subject(s, project.id, baseDir, ids));
    }
    return a;
  }

  private meta(m: StandInMetaSpec | undefined, when?: Date): ItemMeta {
    return {
      create_event_id: m?.create_event_id ?? ++this.eventId,
      start_date: m?.start_date ?? javaDateString(when ?? this.created),
    };
  }

  private uniqueId(ids: Set<string>, id: string, what: string): string {
    if (ids.has(id)) throw new ConfigError(`XNAT stand-in: accession ID '${id}' (${what}) is used twice`);
    ids.add(id);
    return id;
  }

  private async subject(
    s: StandInSubjectSpec,
    project: string,
    baseDir: string,
    ids: Set<string>,
  ): Promise<ArchiveSubject> {
    if (typeof s.label !== 'string' || s.label === '')
      throw new ConfigError(`XNAT stand-in: a subject of project '${project}' has no "label"`);
    const id = this.uniqueId(
      ids,
      s.id ?? `${this.siteId}_S${String(++this.subjectCounter).padStart(5, '0')}`,
      `subject ${s.label}`,
    );
    const subject: ArchiveSubject = {
      id,
      label: s.label,
      project: s.project ?? project,
      insert_date: s.insert_date ?? xnatTimestamp(this.created),
      insert_user: s.insert_user ?? 'admin',
      fields: s.fields ?? {},
      meta: this.meta(s.meta),
      experiments: [],
    };
    for (const e of s.experiments ?? [])
      subject.experiments.push(await this.experiment(e, subject, baseDir, ids));
    return subject;
  }

  private async experiment(
    e: StandInExperimentSpec,
    subject: ArchiveSubject,
    baseDir: string,
    ids: Set<string>,
  ): Promise<ArchiveExperiment> {
    if (typeof e.label !== 'string' || e.label === '')
      throw new ConfigError(`XNAT stand-in: an experiment of subject '${subject.label}' has no "label"`);
    const id = this.uniqueId(
      ids,
      e.id ?? `${this.siteId}_E${String(++this.experimentCounter).padStart(5, '0')}`,
      `experiment ${e.label}`,
    );
    const exp: ArchiveExperiment = {
      id,
      label: e.label,
      date: e.date,
      xsiType: e.xsiType ?? '',
      modality: e.modality,
      project: e.project ?? subject.project,
      insert_date: e.insert_date ?? xnatTimestamp(this.created),
      insert_user: e.insert_user ?? 'admin',
      uid: undefined,
      fields: e.fields ?? {},
      meta: this.meta(e.meta),
      scans: [],
      subject,
    };
    let header: DicomSeriesHeader | undefined;
    for (const sc of e.scans ?? []) {
      const { scan, header: h } = await this.scan(sc, exp, baseDir);
      header ??= h;
      exp.scans.push(scan);
    }
    exp.modality ??= header?.modality ?? exp.scans.find((s) => s.modality)?.modality;
    if (exp.xsiType === '') exp.xsiType = sessionXsiType(exp.modality);
    exp.date ??= header?.studyDate;
    exp.uid = header?.studyInstanceUid;
    return exp;
  }

  private async scan(
    s: StandInScanSpec,
    experiment: ArchiveExperiment,
    baseDir: string,
  ): Promise<{ scan: ArchiveScan; header: DicomSeriesHeader | undefined }> {
    if (typeof s.id !== 'string' || s.id === '')
      throw new ConfigError(
        `XNAT stand-in: a scan of experiment '${experiment.label}' has no "id" (a string)`,
      );
    if (experiment.scans.some((x) => x.id === s.id))
      throw new ConfigError(
        `XNAT stand-in: scan '${s.id}' appears twice in experiment '${experiment.label}'`,
      );
    const resources: ArchiveResource[] = [];
    if (s.dir !== undefined) resources.push(...(await this.resourcesFromDir(resolve(baseDir, s.dir))));
    for (const r of s.resources ?? []) resources.push(await this.resource(r, baseDir));
    const dicom = resources.find((r) => r.label === 'DICOM');
    let header: DicomSeriesHeader | undefined;
    let dicomCount = 0;
    if (dicom) {
      dicomCount = dicom.files.length;
      for (const f of dicom.files) {
        const path = (f as ArchiveFile & { path?: string }).path;
        if (path === undefined) continue;
        header = await readDicomSeriesHeader(path);
        if (header) break;
      }
    }
    const scan: ArchiveScan = {
      id: s.id,
      imagescandataId: s.xnat_imagescandata_id ?? ++this.scanCounter,
      type: s.type ?? header?.seriesDescription ?? (dicom ? 'Unknown' : undefined),
      series_description: s.series_description ?? header?.seriesDescription,
      quality: s.quality ?? (s.dir !== undefined ? 'usable' : undefined),
      note: s.note,
      xsiType: s.xsiType ?? scanXsiType(s.modality ?? header?.modality ?? experiment.modality),
      frames: s.frames ?? (dicomCount > 0 ? dicomCount : undefined),
      modality: s.modality ?? header?.modality,
      uid: s.UID ?? header?.seriesInstanceUid,
      fields: s.fields ?? {},
      meta: this.meta(s.meta),
      shares: (s.shares ?? []).map((x) => ({
        project: x.project,
        label: x.label,
        id: x.id ?? ++this.shareCounter,
        meta: this.meta(x.meta),
      })),
      resources,
      experiment,
    };
    return { scan, header };
  }

  private newResource(
    label: string,
    spec: Partial<StandInResourceSpec>,
    files: ArchiveFile[],
  ): ArchiveResource {
    const id = spec.id ?? ++this.resourceCounter;
    return {
      id,
      label,
      format: spec.format,
      content: spec.content,
      tags: (spec.tags ?? []).map((t) =>
        typeof t === 'string'
          ? { id: ++this.tagCounter, tag: t, meta: this.meta(undefined) }
          : { id: t.id ?? ++this.tagCounter, tag: t.tag, meta: this.meta(t.meta) },
      ),
      catalogUri: spec.catalogUri ?? `/data/xnat/archive/resources/${id}/${label}_catalog.xml`,
      fileCount: spec.file_count,
      fileSize: spec.file_size,
      meta: this.meta(spec.meta),
      files,
    };
  }

  private async resourcesFromDir(dir: string): Promise<ArchiveResource[]> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      throw new ConfigError(`XNAT stand-in: scan folder ${dir} does not exist or cannot be read`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const groups = new Map<string, ArchiveFile[]>();
    const add = (label: string, f: ArchiveFile) => {
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label)!.push(f);
    };
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        for (const f of await walkFiles(p))
          add(e.name, await pathFile(relative(p, f).split(sep).join('/'), f));
      } else if (e.isFile()) {
        const label = (await looksLikeDicom(p)) ? 'DICOM' : isNiftiName(e.name) ? 'NIFTI' : 'MISC';
        add(label, await pathFile(e.name, p));
      }
    }
    const out: ArchiveResource[] = [];
    for (const [label, files] of groups) {
      const spec: Partial<StandInResourceSpec> =
        label === 'DICOM'
          ? { format: 'DICOM', content: 'RAW' }
          : label === 'NIFTI'
            ? { format: 'NIFTI', content: 'NIFTI_RAW' }
            : {};
      out.push(this.newResource(label, spec, files));
    }
    return out;
  }

  private async resource(r: StandInResourceSpec, baseDir: string): Promise<ArchiveResource> {
    if (typeof r.label !== 'string' || r.label === '')
      throw new ConfigError('XNAT stand-in: every resource needs a "label"');
    const files: ArchiveFile[] = [];
    if (r.dir !== undefined) {
      const d = resolve(baseDir, r.dir);
      for (const f of await walkFiles(d)) files.push(await pathFile(relative(d, f).split(sep).join('/'), f));
    }
    for (const f of r.files ?? []) files.push(await this.fileSpec(f, baseDir));
    return this.newResource(r.label, r, files);
  }

  private async fileSpec(f: StandInFileSpec, baseDir: string): Promise<ArchiveFile> {
    if (typeof f.name !== 'string' || f.name === '' || f.name.split('/').some((x) => x === '..' || x === ''))
      throw new ConfigError(`XNAT stand-in: invalid file name ${JSON.stringify(f.name)}`);
    if (f.path !== undefined) return pathFile(f.name, resolve(baseDir, f.path));
    if (f.text !== undefined) return memoryFile(f.name, Buffer.from(f.text, 'utf8'), this.created);
    if (f.base64 !== undefined) return memoryFile(f.name, Buffer.from(f.base64, 'base64'), this.created);
    throw new ConfigError(`XNAT stand-in: file '${f.name}' needs "path", "text" or "base64"`);
  }

  /** A project by ID or alias. */
  findProject(idOrAlias: string): ArchiveProject | undefined {
    return (
      this.projects.find((p) => p.id === idOrAlias) ??
      this.projects.find((p) => p.aliases.includes(idOrAlias))
    );
  }

  /** A subject of a project: label first, then accession ID (XNAT's order). */
  findSubject(project: ArchiveProject, labelOrId: string): ArchiveSubject | undefined {
    return (
      project.subjects.find((s) => s.label === labelOrId) ?? project.subjects.find((s) => s.id === labelOrId)
    );
  }

  /** A subject anywhere, by accession ID. */
  subjectById(id: string): ArchiveSubject | undefined {
    for (const p of this.projects) for (const s of p.subjects) if (s.id === id) return s;
    return undefined;
  }

  /** An experiment by accession ID anywhere. */
  experimentById(id: string): ArchiveExperiment | undefined {
    for (const p of this.projects)
      for (const s of p.subjects) for (const e of s.experiments) if (e.id === id) return e;
    return undefined;
  }

  /** An experiment within a project (and subject, when given): accession ID first, then label. */
  findExperiment(
    project: ArchiveProject,
    subject: ArchiveSubject | undefined,
    idOrLabel: string,
  ): ArchiveExperiment | undefined {
    const pool = subject ? subject.experiments : project.subjects.flatMap((s) => s.experiments);
    return pool.find((e) => e.id === idOrLabel) ?? pool.find((e) => e.label === idOrLabel);
  }
}

async function pathFile(name: string, path: string): Promise<ArchiveFile> {
  const f = await diskFile(name, path);
  return Object.assign(f, { path });
}

/**
 * Makes a description from a folder tree `PROJECT/SUBJECT/EXPERIMENT/SCAN/files`. A scan folder
 * named `ID-TYPE` sets the scan type; files directly in a scan folder become the `DICOM`, `NIFTI`
 * or `MISC` resource by content, and each sub-folder a resource named after it.
 */
export async function describeFolder(root: string): Promise<StandInDescription> {
  const dirs = async (p: string) => {
    const e = await readdir(p, { withFileTypes: true });
    return e
      .filter((x) => x.isDirectory() && !x.name.startsWith('.'))
      .map((x) => x.name)
      .sort();
  };
  let projects: string[];
  try {
    projects = await dirs(root);
  } catch {
    throw new ConfigError(`XNAT stand-in: root folder ${root} does not exist or cannot be read`);
  }
  const desc: StandInDescription = { projects: [] };
  for (const p of projects) {
    const subjects: StandInSubjectSpec[] = [];
    for (const s of await dirs(join(root, p))) {
      const experiments: StandInExperimentSpec[] = [];
      for (const e of await dirs(join(root, p, s))) {
        const scans: StandInScanSpec[] = [];
        for (const sc of await dirs(join(root, p, s, e))) {
          const m = /^([^-]+)-(.+)$/.exec(sc);
          const spec: StandInScanSpec = { id: m ? (m[1] as string) : sc, dir: join(root, p, s, e, sc) };
          if (m) spec.type = m[2] as string;
          scans.push(spec);
        }
        experiments.push({ label: e, scans });
      }
      subjects.push({ label: s, experiments });
    }
    desc.projects.push({ id: p, subjects });
  }
  return desc;
}

import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/**
 * The seed's `config.cfg`, typed. INI form:
 * ```ini
 * [server]
 * REMOTE_SERVER_URI = https://mlflow.example.org
 * MLFLOW_S3_ENDPOINT_URL = https://minio.example.org
 * LOCAL_REMOTE_SERVER_URI = http://localhost:85
 * LOCAL_MLFLOW_S3_ENDPOINT_URL = http://localhost:8002
 * ARTIFACT_PATH = s3://mlflow
 * [project]
 * NAME = my_project
 * VOLUME_MOUNT = /data:/DATA
 * [entry_points]
 * main = npx tsx train.ts --epochs {epochs}
 * ```
 */
export interface ExperimentConfig {
  server?: {
    /** `REMOTE_SERVER_URI`: the tracking server; without one, runs go to `<projectPath>/mlruns`. */
    trackingUri?: string;
    /** `MLFLOW_S3_ENDPOINT_URL`: MinIO/S3 endpoint for `s3://` artifact roots. */
    s3EndpointUrl?: string;
    /** `LOCAL_REMOTE_SERVER_URI`, used with `useLocalhost`. */
    localTrackingUri?: string;
    /** `LOCAL_MLFLOW_S3_ENDPOINT_URL`, used with `useLocalhost`. */
    localS3EndpointUrl?: string;
    /** `ARTIFACT_PATH`: artifact root of a new experiment, e.g. `s3://mlflow`. */
    artifactPath?: string;
  };
  project: {
    /** `NAME`: the experiment name (lower-cased, as the seed did). */
    name: string;
    /** `VOLUME_MOUNT` (kept for parity; containers are not started by this package). */
    volumeMount?: string;
    /** `LOCAL_VOLUME_MOUNT`. */
    localVolumeMount?: string;
  };
  /** `[entry_points]`: name → shell command (`{param}` placeholders are filled from run arguments). */
  entryPoints?: Record<string, string>;
}

type Section = Record<string, unknown>;

/**
 * Parses INI text the way Python's `configparser.ConfigParser` reads the seed's `config.cfg`: `[section]`
 * headers, `key = value` or `key: value` (keys lower-cased), whole-line `#`/`;` comments only (a `;` or
 * `#` inside a value is kept — unlike the npm `ini` package, which would cut `cd src; npx tsx train.ts`
 * at the `;`), quotes kept, indented continuation lines, `[DEFAULT]` values inherited, and
 * `%(name)s` / `%%` interpolation.
 * @throws ConfigError on lines configparser rejects (duplicate keys, keys without a value, a lone `%`)
 */
export function parseConfigParserText(
  text: string,
  source = 'config',
): Record<string, Record<string, string>> {
  const raw: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  let lastKey: string | undefined;
  let keyIndent = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    const where = `${source}:${i + 1}`;
    const stripped = line.trim();
    const indent = line.length - line.trimStart().length;
    if (stripped === '' || stripped.startsWith('#') || stripped.startsWith(';')) {
      if (stripped === '') lastKey = undefined;
      return;
    }
    if (section && lastKey !== undefined && indent > keyIndent) {
      section[lastKey] = `${section[lastKey] ?? ''}\n${stripped}`;
      return;
    }
    const header = /^\[([^\]]+)\]$/.exec(stripped);
    if (header) {
      const name = header[1] ?? '';
      if (raw[name]) throw new ConfigError(`${where}: section [${name}] appears twice`);
      section = raw[name] = {};
      lastKey = undefined;
      return;
    }
    if (!section) throw new ConfigError(`${where}: '${stripped}' before any [section] header`);
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(stripped);
    if (!m) throw new ConfigError(`${where}: expected 'key = value', got '${stripped}'`);
    const key = (m[1] ?? '').toLowerCase();
    if (key in section) throw new ConfigError(`${where}: option '${key}' appears twice in its section`);
    section[key] = m[2] ?? '';
    lastKey = key;
    keyIndent = indent;
  });
  const defaults = raw.DEFAULT ?? {};
  const out: Record<string, Record<string, string>> = {};
  for (const [name, values] of Object.entries(raw)) {
    if (name === 'DEFAULT') continue;
    const merged = { ...defaults, ...values };
    const resolved: Record<string, string> = {};
    for (const [k, v] of Object.entries(merged))
      resolved[k] = interpolate(v, merged, `${source} [${name}] ${k}`);
    out[name] = resolved;
  }
  return out;
}

function interpolate(value: string, vars: Record<string, string>, where: string, depth = 0): string {
  if (depth > 10) throw new ConfigError(`${where}: interpolation is too deeply nested (a reference loop?)`);
  return value.replace(/%(%|\((\w+)\)s|)/g, (all, _m: string, name: string | undefined) => {
    if (all === '%%') return '%';
    if (name !== undefined) {
      const v = vars[name.toLowerCase()];
      if (v === undefined) throw new ConfigError(`${where}: %(${name})s refers to an option that is not set`);
      return interpolate(v, vars, where, depth + 1);
    }
    throw new ConfigError(
      `${where}: a lone '%' (configparser interpolation): write '%%' for a literal percent sign`,
    );
  });
}

function pick(section: Section | undefined, key: string): string | undefined {
  if (!section) return undefined;
  for (const [k, v] of Object.entries(section)) {
    if (k.toLowerCase() === key.toLowerCase()) {
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    }
  }
  return undefined;
}

function sectionOf(parsed: Record<string, unknown>, name: string): Section | undefined {
  for (const [k, v] of Object.entries(parsed)) {
    if (k.toLowerCase() === name && typeof v === 'object' && v !== null) return v as Section;
  }
  return undefined;
}

/**
 * Parses the seed's INI configuration text. Keys are case-insensitive (configparser lower-cases them);
 * entry-point names are lower-cased as the seed's did.
 * @throws ConfigError when `[project] NAME` is missing
 */
export function parseExperimentConfig(text: string, source = 'config'): ExperimentConfig {
  const parsed: Record<string, unknown> = parseConfigParserText(text, source);
  const server = sectionOf(parsed, 'server');
  const project = sectionOf(parsed, 'project');
  const entry = sectionOf(parsed, 'entry_points');
  const name = pick(project, 'NAME');
  if (name === undefined)
    throw new ConfigError(`${source}: [project] NAME is required (the experiment name)`);
  const cfg: ExperimentConfig = { project: { name } };
  const vm = pick(project, 'VOLUME_MOUNT');
  const lvm = pick(project, 'LOCAL_VOLUME_MOUNT');
  if (vm !== undefined) cfg.project.volumeMount = vm;
  if (lvm !== undefined) cfg.project.localVolumeMount = lvm;
  const s: NonNullable<ExperimentConfig['server']> = {};
  const map: [keyof NonNullable<ExperimentConfig['server']>, string][] = [
    ['trackingUri', 'REMOTE_SERVER_URI'],
    ['s3EndpointUrl', 'MLFLOW_S3_ENDPOINT_URL'],
    ['localTrackingUri', 'LOCAL_REMOTE_SERVER_URI'],
    ['localS3EndpointUrl', 'LOCAL_MLFLOW_S3_ENDPOINT_URL'],
    ['artifactPath', 'ARTIFACT_PATH'],
  ];
  for (const [field, key] of map) {
    const v = pick(server, key);
    if (v !== undefined) s[field] = v;
  }
  if (Object.keys(s).length > 0) cfg.server = s;
  if (entry) {
    cfg.entryPoints = {};
    for (const [k, v] of Object.entries(entry))
      if (typeof v === 'string') cfg.entryPoints[k.toLowerCase()] = v.trim();
  }
  return cfg;
}

/**
 * Reads the seed's `config.cfg`.
 * @throws ConfigError when the file is missing (the seed ignored that and failed later with a KeyError)
 */
export function readExperimentConfig(path: string): ExperimentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read the experiment configuration ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { cause: e },
    );
  }
  return parseExperimentConfig(text, path);
}

/** What an XNAT URI points at, parsed from its path. */
export type XnatUriTarget =
  | { kind: 'project'; path: string; project: string }
  | { kind: 'subject'; path: string; project: string | undefined; subject: string }
  | { kind: 'experiment'; path: string; project: string | undefined; experiment: string }
  | { kind: 'scan'; path: string; experimentPath: string; scan: string }
  | { kind: 'resource'; path: string; scanPath: string; resource: string };

/**
 * Normalises an XNAT URI or URL to its `/data/...` path: strips scheme, host and any path prefix,
 * `/REST` → `/data`, `/data/archive/` → `/data/`, trailing slash and query. `undefined` if the text
 * has no `/data/` (or `/REST/`) segment.
 */
export function normalizeXnatPath(uri: string): string | undefined {
  let p = uri.trim();
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) p = new URL(p).pathname;
  } catch {
    return undefined;
  }
  p = p.split(/[?#]/)[0]!;
  const m = /(?:^|\/)(data|REST)(\/.*)$/.exec(p);
  if (!m) return undefined;
  let rest = m[2]!.replace(/\/+$/, '');
  if (rest.startsWith('/archive/')) rest = rest.slice('/archive'.length);
  return `/data${rest}`;
}

/**
 * Parses an XNAT object URI: a project, subject (`/data/projects/P/subjects/S`, `/data/subjects/S`),
 * experiment, scan (`…/experiments/E/scans/3`) or scan resource (`…/scans/3/resources/DICOM`).
 */
export function parseXnatUri(uri: string): XnatUriTarget | undefined {
  const path = normalizeXnatPath(uri);
  if (!path) return undefined;
  const segs = path
    .split('/')
    .slice(2)
    .map((s) => decodeURIComponent(s));
  const n = segs.length;
  const ri = segs.lastIndexOf('resources');
  if (ri >= 2 && ri === n - 2 && segs[ri - 2] === 'scans') {
    const scanPath = path
      .split('/')
      .slice(0, 2 + ri)
      .join('/');
    return { kind: 'resource', path, scanPath, resource: segs[n - 1]! };
  }
  if (n >= 2 && segs[n - 2] === 'scans') {
    const experimentPath = path
      .split('/')
      .slice(0, 2 + n - 2)
      .join('/');
    return { kind: 'scan', path, experimentPath, scan: segs[n - 1]! };
  }
  if (n >= 2 && segs[n - 2] === 'experiments') {
    const project = segs[0] === 'projects' ? segs[1] : undefined;
    return { kind: 'experiment', path, project, experiment: segs[n - 1]! };
  }
  if (n === 4 && segs[0] === 'projects' && segs[2] === 'subjects')
    return { kind: 'subject', path, project: segs[1], subject: segs[3]! };
  if (n === 2 && segs[0] === 'subjects')
    return { kind: 'subject', path, project: undefined, subject: segs[1]! };
  if (n === 2 && segs[0] === 'projects') return { kind: 'project', path, project: segs[1]! };
  return undefined;
}

/** `/data/projects/{P}/subjects/{S}` with each segment escaped. */
export function subjectPath(project: string, subject: string): string {
  return `/data/projects/${encodeURIComponent(project)}/subjects/${encodeURIComponent(subject)}`;
}

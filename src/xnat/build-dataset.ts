import pLimit from 'p-limit';
import { ConfigError, XnatError } from '../errors.js';
import { type XnatAction, normalizeActions, runActions } from './actions.js';
import type { XnatConfig } from './config.js';
import { ProjectData } from './project-data.js';
import { XnatSession } from './session.js';
import { SubjectData } from './subject-data.js';
import { displayIdentifier } from '../patient-identifiers.js';

/** One data item made by {@link xnatBuildDataset}: plain strings (cacheable, serialisable). */
export interface XnatDataItem {
  /** Subject label (as the seed's 0.5.7+). */
  subject_id: string;
  /** `/data/projects/{P}/subjects/{accession ID}`. */
  subject_uri: string;
  /** Subject accession ID. */
  subject_xnat_id: string;
  project: string;
  /** Per key an action returned: the selected scan's (or resource's) URI. */
  [key: string]: string;
}

/** A subject dropped by `validate: true` (an action found nothing). */
export interface DroppedSubject {
  subject_id: string;
  subject_uri: string;
  /** The actions that found nothing. */
  actions: string[];
}

/** Options of {@link xnatBuildDataset}. */
export interface XnatBuildDatasetOptions {
  /** Functions `(subject) => [scan, key] | [[scan, key], ...] | null`, run per subject. */
  actions?: XnatAction | readonly XnatAction[];
  /** Drop (and report) subjects where an action finds nothing (seed's `validate_data`). */
  validate?: boolean;
  /** Only the first N subjects (seed's `test_batch`), for a quick trial run. */
  testBatch?: number;
  /** Subjects processed at once (default: the session's concurrency). */
  concurrency?: number;
  /** Reuse an open session (it is not closed); otherwise the shared session of (server, user) is held and released. */
  session?: XnatSession;
  /** Called for each subject dropped by `validate` (default: one warning on stderr listing them). */
  onDropped?: (dropped: DroppedSubject) => void;
  /** Called after each subject with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Cancels the build. */
  signal?: AbortSignal;
}

/** The dataset and the subjects `validate` dropped. */
export interface XnatDatasetReport {
  data: XnatDataItem[];
  dropped: DroppedSubject[];
}

const RESERVED = new Set(['subject_id', 'subject_uri', 'subject_xnat_id', 'project']);

/**
 * Like {@link xnatBuildDataset}, also returning the subjects `validate` dropped.
 */
export async function xnatBuildDatasetWithReport(
  config: XnatConfig,
  options: XnatBuildDatasetOptions = {},
): Promise<XnatDatasetReport> {
  if (options === null || typeof options !== 'object')
    throw new ConfigError('xnatBuildDataset: options must be an object');
  const actions = normalizeActions(options.actions, 'xnatBuildDataset');
  const projectId = config?.project ?? options.session?.project;
  if (!projectId)
    throw new ConfigError(
      'xnatBuildDataset: the configuration has no `project` (the XNAT project ID to list)',
    );
  if (options.testBatch !== undefined && (!Number.isInteger(options.testBatch) || options.testBatch < 1))
    throw new ConfigError(
      `xnatBuildDataset: testBatch must be a positive integer (got ${JSON.stringify(options.testBatch)})`,
    );
  if (
    options.concurrency !== undefined &&
    (!Number.isInteger(options.concurrency) || options.concurrency < 1)
  )
    throw new ConfigError(
      `xnatBuildDataset: concurrency must be a positive integer (got ${JSON.stringify(options.concurrency)})`,
    );
  const session = options.session ?? (await XnatSession.acquire(config));
  try {
    const project = await ProjectData.load(session, projectId);
    let refs = [...project.subjects.values()];
    if (options.testBatch !== undefined) refs = refs.slice(0, options.testBatch);
    const base = refs.map((r): XnatDataItem => ({
      subject_id: r.label,
      subject_uri: r.uri,
      subject_xnat_id: r.id,
      project: project.id,
    }));
    const dropped: DroppedSubject[] = [];
    if (actions.length === 0) return { data: base, dropped };
    const limit = pLimit(options.concurrency ?? session.concurrency);
    let done = 0;
    const results = await Promise.all(
      refs.map((ref, i) =>
        limit(async () => {
          if (options.signal?.aborted) throw options.signal.reason;
          const subject = await SubjectData.load(session, ref, options.signal);
          const { selections, empty } = await runActions(subject, actions);
          const item: XnatDataItem = { ...base[i]! };
          for (const s of selections) {
            if (RESERVED.has(s.key))
              throw new XnatError(
                `action '${s.action}' used the reserved key '${s.key}' for subject '${displayIdentifier('subject_label', ref.label)}'; choose another key`,
                0,
                ref.uri,
              );
            item[s.key] = s.uri;
          }
          options.onProgress?.(++done, refs.length);
          if (options.validate && empty.length > 0) {
            const d = { subject_id: ref.label, subject_uri: ref.uri, actions: empty };
            dropped.push(d);
            options.onDropped?.(d);
            return undefined;
          }
          return item;
        }),
      ),
    );
    if (dropped.length > 0 && !options.onDropped)
      console.warn(
        `xnatBuildDataset: dropped ${dropped.length} of ${refs.length} subjects where an action found nothing: ` +
          dropped
            .slice(0, 10)
            .map((d) => `${d.subject_id} (${d.actions.join(', ')})`)
            .join(', ') +
          (dropped.length > 10 ? ', …' : ''),
      );
    return {
      data: results.filter((x): x is XnatDataItem => x !== undefined),
      dropped: dropped.sort(
        (a, b) =>
          refs.findIndex((r) => r.uri === a.subject_uri) - refs.findIndex((r) => r.uri === b.subject_uri),
      ),
    };
  } finally {
    if (!options.session) await session.release();
  }
}

/**
 * Lists an XNAT project's subjects as data items `{ subject_id, subject_uri, subject_xnat_id, project }`
 * (server order). With `actions`, loads each subject's experiments and scans (concurrently, one
 * shared session) and runs the actions on it, storing per returned key the selected scan's URI;
 * `LoadImageXNATd` then downloads exactly those scans. `validate` drops subjects where an action
 * finds nothing.
 *
 * @example
 * const data = await xnatBuildDataset(xnat, { actions: [fetchSagT2Tse], validate: true });
 * // [{ subject_id: 'S01', subject_uri: '/data/projects/P/subjects/XNAT_S00001', sag_t2_tse: '/data/experiments/XNAT_E00001/scans/3', ... }]
 */
export async function xnatBuildDataset(
  config: XnatConfig,
  options: XnatBuildDatasetOptions = {},
): Promise<XnatDataItem[]> {
  return (await xnatBuildDatasetWithReport(config, options)).data;
}

import { XnatCollection } from './collection.js';
import { ExperimentData } from './experiment-data.js';
import { type XnatRow, resultRows } from './listing.js';
import type { XnatSession } from './session.js';
import { subjectPath } from './uri.js';
import { displayIdentifier } from '../patient-identifiers.js';

/** A subject as listed by its project (no experiments loaded). */
export interface SubjectRef {
  /** Accession ID (`XNAT_S00012`). */
  readonly id: string;
  readonly label: string;
  /** Project the subject was listed in. */
  readonly project: string;
  readonly insert_date: string;
  /** `/data/projects/{project}/subjects/{id}`. */
  readonly uri: string;
}

/** A subject row of a project's subject listing as a {@link SubjectRef}. */
export function subjectRefFromRow(project: string, row: XnatRow): SubjectRef {
  const id = row.ID ?? '';
  return {
    id,
    label: row.label ?? '',
    project,
    insert_date: row.insert_date ?? '',
    uri: subjectPath(project, id),
  };
}

/**
 * A subject with its experiments and their scans loaded, which is what an action receives: plain
 * synchronous data (one listing request per experiment level, cached by the session).
 *
 * @example
 * function fetchSagT2Tse(subject: SubjectData) {
 *   for (const exp of subject.experiments.values())
 *     if (exp.label.includes('MR_2'))
 *       for (const scan of exp.scans.values())
 *         if (scan.series_description.includes('sag_t2_tse')) return [scan, 'sag_t2_tse'] as const;
 *   return null;
 * }
 */
export class SubjectData implements SubjectRef {
  readonly id: string;
  readonly label: string;
  readonly project: string;
  readonly insert_date: string;
  readonly uri: string;
  /** The subject's experiments, by accession ID (or label). */
  experiments: XnatCollection<ExperimentData>;

  private constructor(ref: SubjectRef) {
    this.id = ref.id;
    this.label = ref.label;
    this.project = ref.project;
    this.insert_date = ref.insert_date;
    this.uri = ref.uri;
    this.experiments = new XnatCollection<ExperimentData>(
      [],
      (e) => e.label,
      `experiments of subject ${ref.label}`,
    );
  }

  /** Loads a subject's experiments and every experiment's scans. */
  static async load(session: XnatSession, ref: SubjectRef, signal?: AbortSignal): Promise<SubjectData> {
    const s = new SubjectData(ref);
    const path = `${subjectPath(ref.project, ref.id)}/experiments`;
    const opts: { what: string; signal?: AbortSignal } = {
      what: `subject '${displayIdentifier('subject_label', ref.label)}' (${ref.id}) of project '${ref.project}'`,
    };
    if (signal) opts.signal = signal;
    const json = await session.cachedJson(path, opts);
    const exps = resultRows(json, session.url(path)).map((r) => new ExperimentData(session, s, r));
    await Promise.all(exps.map((e) => e.loadScans()));
    s.experiments = new XnatCollection(exps, (e) => e.label, `experiments of subject ${ref.label}`);
    return s;
  }

  /** Plain data (for logs and JSON). */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      label: this.label,
      project: this.project,
      uri: this.uri,
      experiments: [...this.experiments.values()].map((e) => e.toJSON()),
    };
  }
}

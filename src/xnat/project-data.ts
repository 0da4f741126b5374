import { XnatNotFoundError } from '../errors.js';
import { XnatCollection } from './collection.js';
import { resultRows } from './listing.js';
import type { XnatSession } from './session.js';
import { SubjectData, type SubjectRef, subjectRefFromRow } from './subject-data.js';

/** A project with its subject listing (one request each for the project list and the subjects). */
export class ProjectData {
  readonly id: string;
  readonly name: string;
  readonly secondary_ID: string;
  readonly description: string;
  /** `/data/projects/{id}`. */
  readonly uri: string;
  /** The project's subjects (accession ID → {@link SubjectRef}; `get` also takes a label). */
  readonly subjects: XnatCollection<SubjectRef>;
  readonly #session: XnatSession;

  private constructor(
    session: XnatSession,
    row: Record<string, string>,
    subjects: XnatCollection<SubjectRef>,
  ) {
    this.#session = session;
    this.id = row.ID ?? '';
    this.name = row.name ?? '';
    this.secondary_ID = row.secondary_ID ?? '';
    this.description = row.description ?? '';
    this.uri = `/data/projects/${encodeURIComponent(this.id)}`;
    this.subjects = subjects;
  }

  /**
   * Finds a project by ID (else secondary ID, else name) in the projects the user can read, and
   * lists its subjects. A missing project is an XnatNotFoundError naming it and the projects there are.
   */
  static async load(session: XnatSession, idOrName: string): Promise<ProjectData> {
    const json = await session.cachedJson('/data/projects', { what: 'project listing' });
    const rows = resultRows(json, session.url('/data/projects'));
    const row =
      rows.find((r) => r.ID === idOrName) ??
      rows.find((r) => r.secondary_ID === idOrName) ??
      rows.find((r) => r.name === idOrName);
    let id = row?.ID ?? idOrName;
    const path = `/data/projects/${encodeURIComponent(id)}/subjects`;
    let subjectsJson: unknown;
    try {
      subjectsJson = await session.cachedJson(path, { what: `project '${idOrName}'` });
    } catch (e) {
      if (e instanceof XnatNotFoundError || !row) {
        const known = rows.map((r) => r.ID).filter(Boolean);
        throw new XnatNotFoundError(
          `XNAT project '${idOrName}' not found on ${session.server} (or user '${session.user}' cannot read it); ` +
            `projects visible to this user: ${known.slice(0, 30).join(', ') || 'none'}${known.length > 30 ? ', …' : ''}`,
          404,
          session.url(path),
          e instanceof XnatNotFoundError ? e.serverMessage : undefined,
          { cause: e },
        );
      }
      throw e;
    }
    const subjectRows = resultRows(subjectsJson, session.url(path));
    id = row?.ID ?? idOrName;
    const refs = subjectRows.map((r) => subjectRefFromRow(id, r));
    return new ProjectData(
      session,
      row ?? { ID: id },
      new XnatCollection(refs, (s) => s.label, `subjects of project ${id}`),
    );
  }

  /** A subject (by label or accession ID) with its experiments and scans loaded. */
  async subject(labelOrId: string, signal?: AbortSignal): Promise<SubjectData> {
    const ref = this.subjects.get(labelOrId);
    if (!ref) {
      const names = [...this.subjects.values()].map((s) => s.label);
      throw new XnatNotFoundError(
        `XNAT subject '${labelOrId}' not found in project '${this.id}' on ${this.#session.server}; ` +
          `subjects there: ${names.slice(0, 20).join(', ') || 'none'}${names.length > 20 ? ', …' : ''}`,
        404,
        this.#session.url(`${this.uri}/subjects/${encodeURIComponent(labelOrId)}`),
      );
    }
    return SubjectData.load(this.#session, ref, signal);
  }
}

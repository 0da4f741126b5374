import { XnatError, describeError } from '../errors.js';
import type { ImageScanData } from './image-scan-data.js';
import type { ResourceData } from './resource-data.js';
import type { SubjectData } from './subject-data.js';
import { parseXnatUri } from './uri.js';
import { displayIdentifier } from '../patient-identifiers.js';

/** What an action may select: a scan (its DICOM is loaded) or one resource of a scan (e.g. `NIFTI`). */
export type XnatActionTarget = ImageScanData | ResourceData | { readonly uri: string };

/** One selection: the object and the data-item key its image goes to. */
export type XnatActionPair = readonly [XnatActionTarget, string];

/** What an action returns: one pair, several pairs, or nothing (`null`, `undefined`, `[]`). */
export type XnatActionResult = XnatActionPair | readonly XnatActionPair[] | null | undefined;

/**
 * A user function that looks at a subject's experiments and scans and picks what to load, as in
 * the seed: `(subject) => [scan, 'sag_t2_tse']`. May be async.
 */
export type XnatAction = (subject: SubjectData) => XnatActionResult | Promise<XnatActionResult>;

/** An action threw or returned something that is not `[scan, key]`: names the subject and the action. */
export class XnatActionError extends XnatError {
  /** Label of the subject. */
  readonly subject: string;
  /** Name of the action (`fetchSagT2Tse`, or `actions[1]` for anonymous ones). */
  readonly action: string;
  constructor(message: string, subject: SubjectData, action: string, options?: { cause?: unknown }) {
    super(message, 0, subject.uri, undefined, options);
    this.subject = subject.label;
    this.action = action;
  }
}

/** One selection made by an action, checked. */
export interface ActionSelection {
  target: XnatActionTarget;
  /** `/data/experiments/{E}/scans/{id}` or `…/resources/{label}`. */
  uri: string;
  key: string;
  action: string;
}

/** Name of an action for messages. */
export function actionName(action: XnatAction, index: number): string {
  return action.name && action.name !== 'anonymous' ? action.name : `actions[${index}]`;
}

/** Checks and normalises the `actions` option: a function or an array of functions. */
export function normalizeActions(actions: unknown, where: string): XnatAction[] {
  if (actions === undefined || actions === null) return [];
  const list = Array.isArray(actions) ? actions : [actions];
  list.forEach((a, i) => {
    if (typeof a !== 'function')
      throw new XnatError(
        `${where}: actions[${i}] is ${a === null ? 'null' : typeof a}; each action must be a function (subject) => [scan, key] | null`,
        0,
        '',
      );
  });
  return list as XnatAction[];
}

function isTarget(v: unknown): v is XnatActionTarget {
  return typeof v === 'object' && v !== null && typeof (v as { uri?: unknown }).uri === 'string';
}

function isPair(v: unknown): v is XnatActionPair {
  return Array.isArray(v) && v.length === 2 && typeof v[1] === 'string' && isTarget(v[0]);
}

function describeReturn(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  return typeof v === 'object'
    ? `an object (${Object.keys(v as object)
        .slice(0, 4)
        .join(', ')})`
    : `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Runs the actions on one subject in order and collects their selections. An action that throws,
 * or returns something other than `[scan, key]` / an array of them / nothing, gives an
 * {@link XnatActionError} naming the subject and the action. Returns the selections and the names
 * of the actions that found nothing.
 */
export async function runActions(
  subject: SubjectData,
  actions: readonly XnatAction[],
): Promise<{ selections: ActionSelection[]; empty: string[] }> {
  const selections: ActionSelection[] = [];
  const empty: string[] = [];
  const who = `subject '${displayIdentifier('subject_label', subject.label)}' (${subject.id}) of project '${subject.project}'`;
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i]!;
    const name = actionName(action, i);
    let r: unknown;
    try {
      r = await action(subject);
    } catch (e) {
      throw new XnatActionError(`action '${name}' failed on ${who}: ${describeError(e)}`, subject, name, {
        cause: e,
      });
    }
    let pairs: XnatActionPair[];
    if (r === null || r === undefined) pairs = [];
    else if (isPair(r)) pairs = [r];
    else if (Array.isArray(r) && r.every(isPair)) pairs = r as XnatActionPair[];
    else
      throw new XnatActionError(
        `action '${name}' returned ${describeReturn(r)} for ${who}; an action must return [scan, key], an array of [scan, key] pairs, or null`,
        subject,
        name,
      );
    if (pairs.length === 0) empty.push(name);
    for (const [target, key] of pairs) {
      if (key === '')
        throw new XnatActionError(
          `action '${name}' returned an empty key for ${who}; the key names the data-item entry the image goes to`,
          subject,
          name,
        );
      const t = parseXnatUri(target.uri);
      if (!t || (t.kind !== 'scan' && t.kind !== 'resource'))
        throw new XnatActionError(
          `action '${name}' returned '${target.uri}' for ${who}; return a scan (from experiment.scans) or a scan resource, not ${t ? (t.kind === 'experiment' ? 'an experiment' : `a ${t.kind}`) : 'a non-XNAT object'}`,
          subject,
          name,
        );
      const dup = selections.find((s) => s.key === key);
      if (dup)
        throw new XnatActionError(
          `actions '${dup.action}' and '${name}' both chose key '${key}' for ${who} (${dup.uri} and ${target.uri}); give each image its own key`,
          subject,
          name,
        );
      selections.push({ target, uri: t.path, key, action: name });
    }
  }
  return { selections, empty };
}

import { DicomwebError, describeError } from '../errors.js';
import { type DicomwebPatient, type DicomwebSeries, parseSeriesUri } from './model.js';

/** What an action returns: `[series, key]`, several of them, or nothing (`null`, `undefined`, `[]`). */
export type DicomwebActionResult =
  readonly [DicomwebSeries, string] | readonly (readonly [DicomwebSeries, string])[] | null | undefined;

/**
 * A user function that looks at a patient's studies and series and picks what to load:
 * `(patient) => [series, 'ct']` or `null`. May be async.
 */
export type DicomwebAction = (
  patient: DicomwebPatient,
) => DicomwebActionResult | Promise<DicomwebActionResult>;

/** An action threw or returned something that is not `[series, key]`: names the action (not the patient). */
export class DicomwebActionError extends DicomwebError {
  /** Name of the action (`fetchCt`, or `actions[1]` for anonymous ones). */
  readonly action: string;
  constructor(message: string, action: string, options?: { cause?: unknown }) {
    super(message, 0, '', undefined, options);
    this.action = action;
  }
}

/** One checked selection. */
export interface DicomwebSelection {
  uri: string;
  key: string;
  action: string;
}

/** Checks the `actions` option: a function or an array of functions. */
export function normalizeDicomwebActions(actions: unknown, where: string): DicomwebAction[] {
  if (actions === undefined || actions === null) return [];
  const list = Array.isArray(actions) ? actions : [actions];
  list.forEach((a, i) => {
    if (typeof a !== 'function')
      throw new DicomwebActionError(
        `${where}: actions[${i}] is ${a === null ? 'null' : typeof a}; each action must be a function (patient) => [series, key] | null`,
        `actions[${i}]`,
      );
  });
  return list as DicomwebAction[];
}

function isPair(v: unknown): v is readonly [DicomwebSeries, string] {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    typeof v[1] === 'string' &&
    typeof (v[0] as { uri?: unknown })?.uri === 'string'
  );
}

/**
 * Runs the actions on one patient in order and collects their selections. Errors name the action
 * and `who` (the caller's description of the patient: never the PatientID unless revealed).
 */
export async function runDicomwebActions(
  patient: DicomwebPatient,
  actions: readonly DicomwebAction[],
  who: string,
): Promise<{ selections: DicomwebSelection[]; empty: string[] }> {
  const selections: DicomwebSelection[] = [];
  const empty: string[] = [];
  for (const [i, action] of actions.entries()) {
    const name = action.name && action.name !== 'anonymous' ? action.name : `actions[${i}]`;
    let r: unknown;
    try {
      r = await action(patient);
    } catch (e) {
      throw new DicomwebActionError(`action '${name}' failed on ${who}: ${describeError(e)}`, name, {
        cause: e,
      });
    }
    const pairs =
      r === null || r === undefined
        ? []
        : isPair(r)
          ? [r]
          : Array.isArray(r) && r.every(isPair)
            ? r
            : undefined;
    if (pairs === undefined)
      throw new DicomwebActionError(
        `action '${name}' returned ${Array.isArray(r) ? `an array of ${r.length}` : typeof r} for ${who}; an action must return [series, key], an array of [series, key] pairs, or null`,
        name,
      );
    if (pairs.length === 0) empty.push(name);
    for (const [series, key] of pairs as (readonly [DicomwebSeries, string])[]) {
      if (key === '' || parseSeriesUri(series.uri) === undefined)
        throw new DicomwebActionError(
          `action '${name}' returned ${key === '' ? 'an empty key' : `'${series.uri}', not a series`} for ${who}; return [series, key] with a series from patient.studies`,
          name,
        );
      const dup = selections.find((s) => s.key === key);
      if (dup)
        throw new DicomwebActionError(
          `actions '${dup.action}' and '${name}' both chose key '${key}' for ${who}; give each image its own key`,
          name,
        );
      selections.push({ uri: series.uri, key, action: name });
    }
  }
  return { selections, empty };
}

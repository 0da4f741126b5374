import pLimit from 'p-limit';
import { ConfigError, DicomwebError } from '../errors.js';
import { type DicomwebAction, normalizeDicomwebActions, runDicomwebActions } from './actions.js';
import { DicomwebClient } from './client.js';
import type { DicomwebConfig } from './config.js';
import { loadPatients } from './model.js';
import type { QidoQuery } from './query.js';

/** One data item made by {@link dicomwebBuildDataset}: plain strings (cacheable, serialisable). */
export interface DicomwebDataItem {
  /** PatientID. */
  patient_id: string;
  /** Per key an action returned: the selected series' URI (`/studies/{study}/series/{series}`). */
  [key: string]: string;
}

/** Options of {@link dicomwebBuildDataset}. */
export interface DicomwebBuildDatasetOptions {
  /** Functions `(patient) => [series, key] | [[series, key], ...] | null`, run per patient. */
  actions?: DicomwebAction | readonly DicomwebAction[];
  /** Study-level QIDO-RS query choosing the studies (and so the patients): `{ ModalitiesInStudy: 'CT' }`. */
  query?: QidoQuery;
  /** Drop patients where an action finds nothing. */
  validate?: boolean;
  /** Reuse a client; otherwise one is made from the configuration. */
  client?: DicomwebClient;
  /** Patients whose actions run at once (default: the client's concurrency). */
  concurrency?: number;
  /** Called for each patient dropped by `validate` with the actions that found nothing. */
  onDropped?: (patientId: string, actions: string[]) => void;
  signal?: AbortSignal;
}

const RESERVED = new Set(['patient_id']);

/**
 * Lists the patients of the studies a QIDO-RS `query` finds as data items `{ patient_id }`
 * (first-seen order). With `actions`, lists each patient's series and runs the actions on the
 * patient, storing per returned key the selected series' URI; `LoadImageDICOMWebd` then downloads
 * exactly those series. `validate` drops patients where an action finds nothing.
 *
 * @example
 * const ct = (p: DicomwebPatient) => { for (const s of p.allSeries()) if (s.modality === 'CT') return [s, 'ct'] as const; return null; };
 * const data = await dicomwebBuildDataset({ url, user, password }, { actions: [ct], validate: true });
 * // [{ patient_id: 'P001', ct: '/studies/1.2.../series/1.2...' }, ...]
 */
export async function dicomwebBuildDataset(
  config: DicomwebConfig,
  options: DicomwebBuildDatasetOptions = {},
): Promise<DicomwebDataItem[]> {
  if (options === null || typeof options !== 'object')
    throw new ConfigError('dicomwebBuildDataset: options must be an object');
  const actions = normalizeDicomwebActions(options.actions, 'dicomwebBuildDataset');
  if (
    options.concurrency !== undefined &&
    (!Number.isInteger(options.concurrency) || options.concurrency < 1)
  )
    throw new ConfigError(
      `dicomwebBuildDataset: concurrency must be a positive integer (got ${JSON.stringify(options.concurrency)})`,
    );
  const client = options.client ?? new DicomwebClient(config);
  const lo: Parameters<typeof loadPatients>[1] = { series: actions.length > 0 };
  if (options.query) lo.query = options.query;
  if (options.signal) lo.signal = options.signal;
  const patients = await loadPatients(client, lo);
  if (actions.length === 0) return patients.map((p) => ({ patient_id: p.id }));
  const limit = pLimit(options.concurrency ?? client.concurrency);
  const dropped: string[] = [];
  const items = await Promise.all(
    patients.map((p) =>
      limit(async () => {
        const who = client.patientLabel(p.id);
        const { selections, empty } = await runDicomwebActions(p, actions, who);
        if (options.validate && empty.length > 0) {
          dropped.push(p.id);
          options.onDropped?.(p.id, empty);
          return undefined;
        }
        const item: DicomwebDataItem = { patient_id: p.id };
        for (const s of selections) {
          if (RESERVED.has(s.key))
            throw new DicomwebError(
              `action '${s.action}' used the reserved key '${s.key}' for ${who}; choose another key`,
              0,
              '',
            );
          item[s.key] = s.uri;
        }
        return item;
      }),
    ),
  );
  if (dropped.length > 0 && !options.onDropped)
    console.warn(
      `dicomwebBuildDataset: dropped ${dropped.length} of ${patients.length} patients where an action found nothing (pass onDropped to see which)`,
    );
  return items.filter((x): x is DicomwebDataItem => x !== undefined);
}

import { MetaImage } from '../src/image/meta-image.js';
import { displayIdentifier } from '../src/patient-identifiers.js';

/** Keys that identify where an item comes from, shown first in error messages. */
const ID_KEYS = [
  'subject_id',
  'subject_label',
  'subject',
  'experiment_id',
  'session_id',
  'subject_uri',
  'id',
  'name',
];

/**
 * Says in a few words where a data item comes from (its files, its subject), for error messages:
 * `image=/data/ct01.nii.gz, label=/data/seg01.nii.gz` or `subject_id=XNAT_S00012`. Values of keys
 * that carry patient identifiers (`subject_label`, `PatientID`, ...) are hashed unless
 * `showPatientIdentifiers(true)`.
 */
export function describeItemSource(item: unknown, maxLength = 240): string {
  const text = sourceText(item);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

function sourceText(item: unknown): string {
  if (item === null || item === undefined) return String(item);
  if (typeof item === 'string') return item;
  if (typeof item === 'number' || typeof item === 'boolean') return String(item);
  if (MetaImage.isMetaImage(item)) return fileOf(item) ?? `MetaImage [${item.shape.join(', ')}]`;
  if (Array.isArray(item))
    return item.length === 0
      ? '[]'
      : `[${item.slice(0, 3).map(sourceText).join('; ')}${item.length > 3 ? '; …' : ''}]`;
  if (typeof item === 'object') {
    const d = item as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of ID_KEYS)
      if (typeof d[k] === 'string' || typeof d[k] === 'number')
        parts.push(`${k}=${displayIdentifier(k, String(d[k]))}`);
    for (const [k, v] of Object.entries(d)) {
      if (ID_KEYS.includes(k)) continue;
      if (typeof v === 'string') parts.push(`${k}=${displayIdentifier(k, v)}`);
      else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'))
        parts.push(`${k}=[${v.map((x) => displayIdentifier(k, x)).join(', ')}]`);
      else if (MetaImage.isMetaImage(v)) {
        const f = fileOf(v);
        if (f) parts.push(`${k}=${f}`);
      }
    }
    return parts.length ? parts.join(', ') : `item with keys ${Object.keys(d).join(', ') || '(none)'}`;
  }
  return typeof item;
}

function fileOf(img: MetaImage): string | undefined {
  const f = img.meta.filename_or_obj;
  if (typeof f === 'string') return f;
  if (Array.isArray(f) && f.length) return f.join(', ');
  return undefined;
}

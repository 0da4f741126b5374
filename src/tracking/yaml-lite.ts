/**
 * Reader and writer for the flat YAML files of MLflow's FileStore (`meta.yaml`): one `key: value` per
 * line, scalar values (strings, integers, null) and empty lists. Written like PyYAML's `safe_dump`
 * (sorted keys, plain scalars where unambiguous, single quotes otherwise).
 */
export type FlatYamlValue = string | number | boolean | null | [];

// PyYAML's implicit resolvers (YAML 1.1): a plain scalar matching one of these would not read back as a string
const RESOLVES_TO_OTHER_TYPE = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|y|Y|n|N)$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:~|null|Null|NULL|)$/,
  /^\d{4}-\d\d?-\d\d?/,
  /^(?:<<|=)$/,
];

function scalar(v: FlatYamlValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (v === Infinity) return '.inf';
    if (v === -Infinity) return '-.inf';
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  // eslint-disable-next-line no-control-regex -- control characters need double quotes
  if (/[\u0000-\u001f\u007f]/.test(v)) return JSON.stringify(v);
  const plain =
    /^[A-Za-z0-9_./][A-Za-z0-9_./:@+ -]*$/.test(v) &&
    !RESOLVES_TO_OTHER_TYPE.some((re) => re.test(v)) &&
    !/[ :]$/.test(v) &&
    !v.includes(': ') &&
    !v.includes(' #');
  return plain ? v : `'${v.replace(/'/g, "''")}'`;
}

/** Serialises a flat object, keys sorted (PyYAML's default). */
export function dumpFlatYaml(obj: Record<string, FlatYamlValue>): string {
  return Object.keys(obj)
    .sort()
    .map((k) => `${k}: ${scalar(obj[k] ?? null)}\n`)
    .join('');
}

function parseScalar(s: string): FlatYamlValue {
  const t = s.trim();
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  if (t === '[]') return [];
  if (t.startsWith("'") && t.endsWith("'") && t.length >= 2) return t.slice(1, -1).replace(/''/g, "'");
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t.slice(1, -1);
    }
  }
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(t)) return Number(t);
  if (/^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(t)) return Number(t);
  if (/^\.nan$/i.test(t)) return NaN;
  if (/^\+?\.inf$/i.test(t)) return Infinity;
  if (/^-\.inf$/i.test(t)) return -Infinity;
  return t;
}

/** Parses a flat YAML mapping (continuation lines of folded plain scalars are joined with a space). */
export function parseFlatYaml(text: string): Record<string, FlatYamlValue> {
  const out: Record<string, FlatYamlValue> = {};
  let lastKey: string | undefined;
  let lastRaw = '';
  const flush = () => {
    if (lastKey !== undefined) out[lastKey] = parseScalar(lastRaw);
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (/^\s/.test(line) && lastKey !== undefined) {
      lastRaw += ` ${line.trim()}`;
      continue;
    }
    const m = /^([^:\s][^:]*?):(?:\s+(.*))?$/.exec(line);
    if (!m || !m[1]) continue;
    flush();
    lastKey = m[1];
    lastRaw = m[2] ?? '';
  }
  flush();
  return out;
}

import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, normalize, sep } from 'node:path';
import { DatasetError } from '../src/errors.js';

/** Options of {@link loadDecathlonDatalist}: MONAI's arguments in camelCase, MONAI's defaults. */
export interface DecathlonDatalistOptions {
  /** `label` values are paths and always joined with `baseDir` (default true). */
  isSegmentation?: boolean;
  /** The list to read: `training` (default), `validation`, `test`, ... */
  dataListKey?: string;
  /** Folder the relative paths are joined with (default: the JSON file's folder). */
  baseDir?: string;
}

/** Python's `os.path.normpath` for POSIX paths: `.`/`..` resolved lexically, no trailing separator. */
function normpath(p: string): string {
  if (p === '') return '.';
  const n = normalize(p);
  return n.length > 1 && n.endsWith(sep) ? n.slice(0, -1) : n;
}

async function joinPath(baseDir: string, item: string, checkPath: boolean): Promise<string> {
  const joined = normpath(isAbsolute(item) ? item : `${baseDir}${sep}${item}`);
  if (
    checkPath &&
    !(await stat(joined).then(
      () => true,
      () => false,
    ))
  )
    return item; // os.path.exists
  return joined;
}

async function computePath(baseDir: string, element: unknown, checkPath: boolean): Promise<unknown> {
  if (typeof element === 'string') return joinPath(baseDir, element, checkPath);
  if (Array.isArray(element)) {
    if (!element.every((e): e is string => typeof e === 'string')) return element;
    return Promise.all(element.map((e) => joinPath(baseDir, e, checkPath)));
  }
  return element;
}

/**
 * Reads a Medical Segmentation Decathlon `dataset.json` list as MONAI's `load_decathlon_datalist`:
 * `image` (and `label` when `isSegmentation`) are joined with `baseDir` and normalised; any other string
 * (or all-string list) value is joined only when the joined path exists, otherwise kept as written.
 * A `test` list of plain strings becomes `[{ image }]`.
 *
 * @example
 * const train = await loadDecathlonDatalist('Task09_Spleen/dataset.json');  // [{ image, label }, ...]
 */
export async function loadDecathlonDatalist(
  file: string,
  options: DecathlonDatalistOptions = {},
): Promise<Record<string, unknown>[]> {
  const isSegmentation = options.isSegmentation ?? true;
  const key = options.dataListKey ?? 'training';
  let text: string;
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DatasetError(`Data list file ${file} does not exist (or is not a readable file).`, undefined, {
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`Data list file ${file} is not valid JSON: ${(e as Error).message}`, undefined, {
      cause: e,
    });
  }
  if (json === null || typeof json !== 'object' || !(key in json))
    throw new DatasetError(`Data list ${key} not specified in "${file}".`);
  let items = (json as Record<string, unknown>)[key];
  if (!Array.isArray(items))
    throw new DatasetError(`Data list ${key} in "${file}" must be a list, got ${typeof items}`);
  if (key === 'test' && items.length > 0 && (typeof items[0] !== 'object' || items[0] === null))
    items = items.map((image: unknown) => ({ image }));
  const baseDir = options.baseDir ?? dirname(file);
  const out: Record<string, unknown>[] = [];
  for (const [index, item] of (items as unknown[]).entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw new DatasetError(
        `Every item in the ${key} list of "${file}" must be an object, item ${index} is not.`,
        index,
      );
    const entry: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) {
      const always = k === 'image' || (isSegmentation && k === 'label');
      entry[k] = await computePath(baseDir, v, !always);
    }
    out.push(entry);
  }
  return out;
}

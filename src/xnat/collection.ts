import { XnatError, XnatNotFoundError } from '../errors.js';

/**
 * A read-only map of XNAT objects keyed by accession ID (as xnatpy's listings), whose `get` / `has`
 * also accept the secondary name: a label (subjects, experiments, resources), a scan type, a
 * project name. A name shared by two objects is ambiguous: `get` throws and asks for the ID.
 *
 * @example
 * for (const exp of subject.experiments.values()) console.log(exp.id, exp.label);
 * subject.experiments.get('MR_2');          // by label
 * subject.experiments.get('XNAT_E00012');   // by ID
 */
export class XnatCollection<T extends { readonly id: string }> implements ReadonlyMap<string, T> {
  readonly #byId: Map<string, T>;
  readonly #secondary: (item: T) => string | undefined;
  readonly #what: string;

  /**
   * @param items the objects, in the server's order
   * @param secondary the secondary name of an object (label, type, name)
   * @param what what the objects are, for error messages (`experiments of subject S01`)
   */
  constructor(items: Iterable<T>, secondary: (item: T) => string | undefined, what: string) {
    this.#byId = new Map();
    for (const it of items) if (!this.#byId.has(it.id)) this.#byId.set(it.id, it);
    this.#secondary = secondary;
    this.#what = what;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** The object with this ID, else the one with this label / type / name; `undefined` if none. */
  get(key: string): T | undefined {
    const byId = this.#byId.get(key);
    if (byId) return byId;
    const hits = [...this.#byId.values()].filter((x) => this.#secondary(x) === key);
    if (hits.length > 1)
      throw new XnatError(
        `'${key}' names ${hits.length} ${this.#what} (IDs ${hits.map((h) => h.id).join(', ')}); use the accession ID`,
        0,
        '',
      );
    return hits[0];
  }

  /** Like {@link get}, but throws an XnatNotFoundError listing what there is. */
  require(key: string): T {
    const v = this.get(key);
    if (v) return v;
    const names = [...this.#byId.values()].map(
      (x) => `${x.id}${this.#secondary(x) ? ` (${this.#secondary(x)})` : ''}`,
    );
    throw new XnatNotFoundError(
      `no ${this.#what} with ID or name '${key}'; there are: ${names.slice(0, 20).join(', ') || 'none'}${names.length > 20 ? ', …' : ''}`,
      404,
      '',
    );
  }

  /** True if {@link get} finds an object (an ambiguous name throws). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Calls `cb` for each object, keyed by ID, as `Map.forEach` does. */
  forEach(cb: (value: T, key: string, map: ReadonlyMap<string, T>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#byId) cb.call(thisArg, v, k, this);
  }

  keys(): MapIterator<string> {
    return this.#byId.keys();
  }

  values(): MapIterator<T> {
    return this.#byId.values();
  }

  entries(): MapIterator<[string, T]> {
    return this.#byId.entries();
  }

  /** Iterates `[id, object]` pairs in the server's order. */
  [Symbol.iterator](): MapIterator<[string, T]> {
    return this.#byId.entries();
  }

  /** The objects as an array, in the server's order. */
  toArray(): T[] {
    return [...this.#byId.values()];
  }

  get [Symbol.toStringTag](): string {
    return 'XnatCollection';
  }
}

/**
 * The stand-in's routing: a table of (methods, path pattern) → handler, first match wins. A pattern is
 * path segments: a literal, `:name` (one segment, handed over by name) or a final `**` (the remaining
 * segments, none or more, handed over as `rest`).
 */

/** What a matched pattern captured. */
export interface RouteParams {
  /** `:name` segments, decoded. */
  readonly named: Readonly<Record<string, string>>;
  /** The segments a final `**` matched. */
  readonly rest: readonly string[];
}

/** One route: which methods (undefined: any), which path, and its handler (`X`: what the caller adds). */
export interface Route<C, X> {
  methods?: readonly string[];
  path: string;
  handle: (ctx: C, params: RouteParams, extra: X) => Promise<void>;
}

/** Named segment `name` of a match (throws if the pattern has none: a bug in the table). */
export function param(p: RouteParams, name: string): string {
  const v = p.named[name];
  if (v === undefined) throw new Error(`route pattern has no :${name}`);
  return v;
}

function matchPath(pattern: readonly string[], segs: readonly string[]): RouteParams | undefined {
  const named: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '**') return { named, rest: segs.slice(i) };
    const s = segs[i];
    if (s === undefined) return undefined;
    if (p.startsWith(':')) named[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return pattern.length === segs.length ? { named, rest: [] } : undefined;
}

/** A route table: {@link RouteTable.match} finds the first route for a method and path segments. */
export class RouteTable<C, X> {
  private readonly routes: { route: Route<C, X>; pattern: string[] }[];

  constructor(routes: readonly Route<C, X>[]) {
    this.routes = routes.map((route) => ({
      route,
      pattern: route.path.split('/').filter((s) => s !== ''),
    }));
  }

  /** The first route whose methods and pattern match, with what it captured. */
  match(method: string, segs: readonly string[]): { route: Route<C, X>; params: RouteParams } | undefined {
    for (const { route, pattern } of this.routes) {
      if (route.methods && !route.methods.includes(method)) continue;
      const params = matchPath(pattern, segs);
      if (params) return { route, params };
    }
    return undefined;
  }
}

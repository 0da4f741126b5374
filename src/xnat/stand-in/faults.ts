/**
 * A fault the stand-in injects into matching requests, for testing clients against a flaky server.
 *
 * @example
 * standIn.addFault({ match: 'format=zip', drop: 'mid-body', afterBytes: 10_000, times: 2 });
 */
export interface StandInFault {
  /** Substring of, or pattern tested on, the request path with its query. All requests if omitted. */
  match?: string | RegExp;
  /** HTTP method to match (any if omitted). */
  method?: string;
  /** Matching requests let through before the fault starts (default 0). */
  skip?: number;
  /** Matching requests the fault hits (default: every one). */
  times?: number;
  /** Delay before answering, in ms. */
  latencyMs?: number;
  /** Answer with this status and XNAT's HTML error page instead of the real response. */
  status?: number;
  /** Error page description for `status` (default: the status text). */
  message?: string;
  /** `Retry-After` header (seconds) sent with `status`. */
  retryAfter?: number;
  /** Close the connection before any response byte, or in the middle of the body. */
  drop?: 'before-headers' | 'mid-body';
  /** With `drop: 'mid-body'`: bytes of the body sent before the connection is cut (default 1024). */
  afterBytes?: number;
  /** Expire the caller's XNAT session before handling the request (a 401 unless it sends Basic). */
  expireSession?: boolean;
}

/** A registered fault: how many requests it has hit so far; `remove()` takes it away. */
export interface StandInFaultHandle {
  readonly fault: StandInFault;
  readonly hits: number;
  /** Stops the fault from hitting further requests. */
  remove(): void;
}

/** Fault list with hit counting (internal to the stand-in). */
export class FaultSet {
  private readonly entries: { fault: StandInFault; seen: number; hits: number; removed: boolean }[] = [];

  /** Registers a fault; the handle counts its hits and removes it. */
  add(fault: StandInFault): StandInFaultHandle {
    const e = { fault, seen: 0, hits: 0, removed: false };
    this.entries.push(e);
    return {
      fault,
      get hits() {
        return e.hits;
      },
      remove: () => {
        e.removed = true;
        const i = this.entries.indexOf(e);
        if (i >= 0) this.entries.splice(i, 1);
      },
    };
  }

  /** Removes every fault. */
  clear(): void {
    this.entries.length = 0;
  }

  /** The faults that apply to this request (counted as hits). */
  take(method: string, pathAndQuery: string): StandInFault[] {
    const out: StandInFault[] = [];
    for (const e of this.entries) {
      const f = e.fault;
      if (f.method && f.method.toUpperCase() !== method.toUpperCase()) continue;
      if (f.match !== undefined) {
        const ok = typeof f.match === 'string' ? pathAndQuery.includes(f.match) : f.match.test(pathAndQuery);
        if (!ok) continue;
      }
      e.seen++;
      if (e.seen <= (f.skip ?? 0)) continue;
      if (f.times !== undefined && e.hits >= f.times) continue;
      e.hits++;
      out.push(f);
    }
    return out;
  }
}

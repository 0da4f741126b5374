/**
 * A small checking proxy in front of a DICOMweb server, on 127.0.0.1: accepts `Authorization: Bearer
 * <token>` (Debian has no Orthanc authorization plugin), forwards with the upstream's Basic
 * credentials, and injects faults (503s, bodies cut short, a slow trickle) on demand.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyFault {
  /** Substring of the request path (with query) the fault applies to. */
  match: string;
  /** Answer with this status instead of forwarding. */
  status?: number;
  /** Forward, but cut the connection after this many body bytes. */
  cutAfterBytes?: number;
  /** Forward, but send the body in small slow chunks (ms between 16 KiB chunks). */
  trickleMs?: number;
  /** How many requests it applies to (default: all). */
  times?: number;
  /** Requests it has hit. */
  hits: number;
}

export class CheckingProxy {
  readonly faults: ProxyFault[] = [];
  /** Requests seen (path and query; the test checks no identifiers leaked into anything else). */
  readonly seen: string[] = [];
  #server: http.Server;
  /** Upstream responses still streaming. */
  readonly #active = new Set<http.IncomingMessage>();
  #upstream: URL;
  #basic: string;

  private constructor(upstream: string, user: string, password: string, token: () => string) {
    this.#upstream = new URL(upstream);
    this.#basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    this.#server = http.createServer((req, res) => {
      this.seen.push(req.url ?? '');
      if (req.headers.authorization !== `Bearer ${token()}`) {
        res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' });
        res.end(JSON.stringify({ Message: 'bad or missing bearer token' }));
        req.resume();
        return;
      }
      const fault = this.faults.find(
        (f) => (req.url ?? '').includes(f.match) && (f.times === undefined || f.hits < f.times),
      );
      if (fault) fault.hits++;
      if (fault?.status !== undefined) {
        res.writeHead(fault.status, { 'Content-Type': 'text/plain', 'Retry-After': '0' });
        res.end('injected fault');
        req.resume();
        return;
      }
      const headers = { ...req.headers, authorization: this.#basic, host: this.#upstream.host };
      const up = http.request(
        {
          host: this.#upstream.hostname,
          port: this.#upstream.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (ur) => {
          this.#active.add(ur);
          ur.on('close', () => this.#active.delete(ur));
          const h = { ...ur.headers };
          if (fault?.cutAfterBytes !== undefined || fault?.trickleMs !== undefined)
            delete h['content-length'];
          res.writeHead(ur.statusCode ?? 502, h);
          let sent = 0;
          ur.on('data', (chunk: Buffer) => {
            if (fault?.cutAfterBytes !== undefined && sent + chunk.length >= fault.cutAfterBytes) {
              res.write(chunk.subarray(0, fault.cutAfterBytes - sent));
              ur.destroy();
              res.socket?.destroy();
              return;
            }
            sent += chunk.length;
            if (fault?.trickleMs !== undefined) {
              ur.pause();
              for (let i = 0; i < chunk.length; i += 16384) res.write(chunk.subarray(i, i + 16384));
              setTimeout(() => ur.resume(), fault.trickleMs);
            } else res.write(chunk);
          });
          ur.on('end', () => res.end());
          ur.on('error', () => res.socket?.destroy());
        },
      );
      up.on('error', () => {
        if (res.headersSent) res.socket?.destroy();
        else {
          res.writeHead(502, { 'Content-Type': 'text/plain' });
          res.end('upstream unreachable');
        }
      });
      req.pipe(up);
    });
  }

  static async start(
    upstream: string,
    user: string,
    password: string,
    token: () => string,
  ): Promise<CheckingProxy> {
    const p = new CheckingProxy(upstream, user, password, token);
    await new Promise<void>((ok) => p.#server.listen(0, '127.0.0.1', ok));
    return p;
  }

  /** The proxied DICOMweb base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${this.#upstream.pathname.replace(/\/$/, '')}`;
  }

  /**
   * Drops every response still streaming through the proxy, client side included: what a client sees when
   * the server dies mid-body. (Killing Orthanc alone is not enough on a fast machine: it may have handed the
   * whole series to the kernel's socket buffers before the kill, and the proxy would then finish the
   * trickle from there.)
   */
  severActive(): void {
    for (const ur of this.#active) ur.destroy(new Error('upstream severed'));
  }

  addFault(f: Omit<ProxyFault, 'hits'>): ProxyFault {
    const fault = { ...f, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((ok) => this.#server.close(() => ok()));
  }
}

import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import {
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
  createServer,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import yazl from 'yazl';
import { ConfigError } from '../../errors.js';
import {
  Archive,
  type ArchiveExperiment,
  type ArchiveFile,
  type ArchiveProject,
  type ArchiveResource,
  type ArchiveScan,
  type ArchiveSubject,
  describeFolder,
} from './archive.js';
import type { StandInDescription } from './description.js';
import { FaultSet, type StandInFault, type StandInFaultHandle } from './faults.js';
import { restletErrorPage, tomcatErrorPage } from './html.js';
import { type JsonValue, orgJsonStringify, resultSetJson } from './org-json.js';
import { type RouteParams, RouteTable, param } from './route-table.js';

/** Options of {@link XnatStandIn.start}. */
export interface XnatStandInOptions {
  /** A folder tree `PROJECT/SUBJECT/EXPERIMENT/SCAN/files`, or a `.json` description file. */
  root?: string;
  /** An archive description (instead of `root`). */
  description?: StandInDescription;
  /** Folder that relative paths of `description` resolve against (default: the cwd). */
  baseDir?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** Interface (default `127.0.0.1`). */
  host?: string;
  /** Accepted `user: password` pairs (default: the description's, else `{ admin: 'admin' }`). */
  users?: Record<string, string>;
  /** Idle timeout of a JSESSION in ms (XNAT's default: 15 minutes). */
  sessionTimeoutMs?: number;
  /** Delay added to every request, in ms (benchmarks). */
  latencyMs?: number;
  /** Faults injected from the start (more with {@link XnatStandIn.addFault}). */
  faults?: StandInFault[];
  /** Serve HTTPS with this PEM key and certificate (to test `ca` / `verify` options). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** One served request, as the stand-in logged it. */
export interface StandInRequestRecord {
  method: string;
  /** Path and query. */
  url: string;
  status: number;
  /** The user the request was authenticated as, if any. */
  user: string | undefined;
}

/** Counters the stand-in keeps (tests check "one login", "no retry storm"). */
export interface StandInStats {
  /** Requests received (including those a fault dropped). */
  requests: number;
  /** JSESSIONs created (Basic logins, `/data/JSESSION`, `/data/services/auth`). */
  sessionsCreated: number;
  /** Requests with wrong credentials. */
  failedLogins: number;
  /** Zip downloads answered (started). */
  zipDownloads: number;
  /** Every request, in order (the last 10,000). */
  log: StandInRequestRecord[];
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  user: string | undefined;
  sessionId: string | undefined;
  setCookies: string[];
  status: number;
  /** Bytes of body left before a mid-body drop (Infinity: no drop). */
  dropAfter: number;
}

const RESERVED_PARAMS = new Set(
  [
    'format',
    'columns',
    'sortby',
    'sortorder',
    'limit',
    'offset',
    'xsitype',
    'accept-not-found',
    'structure',
    'compression',
    'recursive',
    'all',
    'file_content',
    'file_format',
    'locator',
    'csrf',
    'xnat_csrf',
    '_',
    'concealhiddenfields',
  ].map((s) => s.toLowerCase()),
);

/** The methods of the archive's read routes. */
const READ = ['GET', 'HEAD'];

const BROWSER_UA = [/MSIE/, /Mozilla/, /AppleWebKit/, /Opera/];

class HttpFail extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
  }
}

const notFound = (d: string) => new HttpFail(404, d);

function mediaTypeFor(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  const m: Record<string, string> = {
    xml: 'text/xml',
    json: 'application/json',
    txt: 'text/plain',
    html: 'text/html',
    gif: 'image/gif',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    png: 'image/png',
    zip: 'application/zip',
    gz: 'application/x-gzip',
    csv: 'text/csv',
  };
  return m[ext] ?? 'application/octet-stream';
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A local stand-in for an XNAT server: serves an archive (a folder tree or a JSON description) over
 * XNAT's REST API on 127.0.0.1 with XNAT's exact JSON (org.json key order, string values,
 * `totalRecords`, URIs from accession IDs), ID-or-label lookup, `columns`, filters, paging,
 * `format=json|csv|zip`, scan zips in XNAT's folder layout, JSESSION / Basic / alias-token auth
 * with 401s, Restlet HTML error pages, and injectable faults (latency, 5xx, dropped connections,
 * expired sessions).
 *
 * @example
 * const xnat = await XnatStandIn.start({ root: 'test-archive' });   // PROJECT/SUBJECT/EXPERIMENT/SCAN/*.dcm
 * const data = await xnatBuildDataset({ server: xnat.url, user: 'admin', password: 'admin', project: 'P' });
 * await xnat.close();
 */
export class XnatStandIn {
  /** Base URL, e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  readonly port: number;
  /** The archive served (mutable: tests may edit it). */
  readonly archive: Archive;
  readonly stats: StandInStats = {
    requests: 0,
    sessionsCreated: 0,
    failedLogins: 0,
    zipDownloads: 0,
    log: [],
  };
  /** Delay added to every request (ms); may be changed at any time. */
  latencyMs: number;
  /** Idle timeout of sessions (ms); may be changed at any time. */
  sessionTimeoutMs: number;
  private readonly users: Record<string, string>;
  private readonly sessions = new Map<string, { user: string; last: number }>();
  private readonly tokens = new Map<string, { secret: string; user: string; created: number; id: number }>();
  private readonly faults = new FaultSet();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private tokenCounter = 0;

  private constructor(
    server: Server,
    archive: Archive,
    opts: XnatStandInOptions,
    port: number,
    host: string,
  ) {
    this.server = server;
    this.archive = archive;
    this.port = port;
    this.url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.users = opts.users ?? archive.users;
    this.latencyMs = opts.latencyMs ?? 0;
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 15 * 60_000;
    for (const f of opts.faults ?? []) this.faults.add(f);
  }

  /** Loads the archive and starts listening. */
  static async start(opts: XnatStandInOptions = {}): Promise<XnatStandIn> {
    let archive: Archive;
    if (opts.description)
      archive = await Archive.fromDescription(opts.description, opts.baseDir ?? process.cwd());
    else if (opts.root !== undefined) {
      const root = resolve(opts.root);
      let st;
      try {
        st = await stat(root);
      } catch {
        throw new ConfigError(
          `XNAT stand-in: ${root} does not exist (pass a folder PROJECT/SUBJECT/EXPERIMENT/SCAN or a .json description)`,
        );
      }
      if (st.isDirectory()) archive = await Archive.fromDescription(await describeFolder(root), root);
      else {
        let desc: StandInDescription;
        try {
          desc = JSON.parse(await readFile(root, 'utf8')) as StandInDescription;
        } catch (e) {
          throw new ConfigError(
            `XNAT stand-in: ${root} is not a valid JSON description: ${(e as Error).message}`,
          );
        }
        archive = await Archive.fromDescription(desc, dirname(root));
      }
    } else
      throw new ConfigError('XNAT stand-in: pass `root` (a folder or .json description) or `description`');
    const host = opts.host ?? '127.0.0.1';
    const holder: { self?: XnatStandIn } = {};
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      void holder.self?.handle(req, res);
    };
    const server = opts.tls
      ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
      : createServer(handler);
    server.keepAliveTimeout = 5000;
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(opts.port ?? 0, host, () => ok());
    });
    const port = (server.address() as AddressInfo).port;
    const self = new XnatStandIn(server, archive, opts, port, host);
    holder.self = self;
    server.on('connection', (s: Socket) => {
      self.sockets.add(s);
      s.on('close', () => self.sockets.delete(s));
    });
    return self;
  }

  /** Stops the server and closes open connections. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  /** Injects a fault into matching requests. */
  addFault(fault: StandInFault): StandInFaultHandle {
    return this.faults.add(fault);
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Expires every JSESSION now (as a server restart or a long idle time would). */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** Number of live sessions. */
  get activeSessions(): number {
    this.pruneSessions();
    return this.sessions.size;
  }

  /** Issues an alias token for `user` (as `GET /data/services/tokens/issue` does). */
  issueToken(user: string): { alias: string; secret: string } {
    const alias = randomUUID();
    const secret = randomBytes(32).toString('hex');
    this.tokens.set(alias, { secret, user, created: Date.now(), id: ++this.tokenCounter });
    return { alias, secret };
  }

  private pruneSessions(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (now - s.last > this.sessionTimeoutMs) this.sessions.delete(id);
  }

  private newSession(ctx: Ctx, user: string): string {
    const id = randomBytes(16).toString('hex').toUpperCase();
    this.sessions.set(id, { user, last: Date.now() });
    this.stats.sessionsCreated++;
    ctx.sessionId = id;
    ctx.user = user;
    ctx.setCookies.push(`JSESSIONID=${id}; Path=/; HttpOnly`);
    return id;
  }

  private checkPassword(user: string, password: string): string | undefined {
    if (Object.prototype.hasOwnProperty.call(this.users, user) && this.users[user] === password) return user;
    const t = this.tokens.get(user);
    if (t && t.secret === password) return t.user;
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx: Ctx = {
      req,
      res,
      url: new URL(req.url ?? '/', 'http://stand-in'),
      method: (req.method ?? 'GET').toUpperCase(),
      user: undefined,
      sessionId: undefined,
      setCookies: [],
      status: 0,
      dropAfter: Infinity,
    };
    this.stats.requests++;
    const pathAndQuery = ctx.url.pathname + ctx.url.search;
    try {
      // Drain any request body we do not read (keeps the connection usable).
      const body = await readBody(req);
      const faults = this.faults.take(ctx.method, pathAndQuery);
      const latency = this.latencyMs + faults.reduce((a, f) => a + (f.latencyMs ?? 0), 0);
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      if (faults.some((f) => f.drop === 'before-headers')) {
        this.record(ctx, 0);
        req.socket.destroy();
        return;
      }
      const mid = faults.find((f) => f.drop === 'mid-body');
      if (mid) ctx.dropAfter = mid.afterBytes ?? 1024;
      if (faults.some((f) => f.expireSession)) {
        const sid = cookieValue(req, 'JSESSIONID');
        if (sid) this.sessions.delete(sid);
      }
      const st = faults.find((f) => f.status !== undefined);
      if (st) {
        const headers: Record<string, string> = {};
        if (st.retryAfter !== undefined) headers['Retry-After'] = String(st.retryAfter);
        await this.send(
          ctx,
          st.status!,
          'text/html;charset=UTF-8',
          restletErrorPage(st.status!, st.message ?? STATUS_CODES[st.status!] ?? 'Error'),
          headers,
        );
        return;
      }
      await this.route(ctx, body);
    } catch (e) {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (e instanceof HttpFail)
        await this.send(ctx, e.status, 'text/html;charset=UTF-8', restletErrorPage(e.status, e.description));
      else
        await this.send(
          ctx,
          500,
          'text/html;charset=UTF-8',
          restletErrorPage(500, `Internal Server Error: ${(e as Error).message}`),
        );
    }
  }

  private record(ctx: Ctx, status: number): void {
    this.stats.log.push({
      method: ctx.method,
      url: ctx.url.pathname + ctx.url.search,
      status,
      user: ctx.user,
    });
    if (this.stats.log.length > 10_000) this.stats.log.splice(0, this.stats.log.length - 10_000);
  }

  private baseHeaders(ctx: Ctx): Record<string, string | string[]> {
    const cookies = [
      ...ctx.setCookies,
      `SESSION_EXPIRATION_TIME="${Date.now()},${this.sessionTimeoutMs}"; Version=1; Path=/`,
    ];
    return { 'Set-Cookie': cookies };
  }

  /** Sends a complete body (with Content-Length), honouring a mid-body drop. */
  private async send(
    ctx: Ctx,
    status: number,
    type: string,
    body: string | Buffer,
    extra: Record<string, string> = {},
  ): Promise<void> {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    ctx.res.writeHead(status, {
      ...this.baseHeaders(ctx),
      'Content-Type': type,
      'Content-Length': String(buf.length),
      ...extra,
    });
    this.record(ctx, status);
    if (ctx.method === 'HEAD') {
      ctx.res.end();
      return;
    }
    await this.write(ctx, buf);
    ctx.res.end();
  }

  /** Writes body bytes with back-pressure; cuts the connection where a mid-body fault says. */
  private async write(ctx: Ctx, chunk: Buffer): Promise<void> {
    const res = ctx.res;
    if (res.destroyed) throw new Error('connection closed');
    if (chunk.length >= ctx.dropAfter) {
      const part = chunk.subarray(0, ctx.dropAfter);
      ctx.dropAfter = 0;
      await new Promise<void>((ok) => res.write(part, () => ok()));
      res.socket?.destroy();
      res.destroy();
      throw new Error('connection dropped (injected fault)');
    }
    ctx.dropAfter -= chunk.length;
    if (!res.write(chunk))
      await new Promise<void>((ok, fail) => {
        const onDrain = () => {
          res.off('close', onClose);
          ok();
        };
        const onClose = () => {
          res.off('drain', onDrain);
          fail(new Error('connection closed'));
        };
        res.once('drain', onDrain);
        res.once('close', onClose);
      });
  }

  private sendJson(ctx: Ctx, text: string): Promise<void> {
    return this.send(ctx, 200, 'application/json;charset=UTF-8', text);
  }

  // ------------------------------------------------------------------------------------- auth

  /** Authenticates the request; answers 401/302 itself and returns false when it cannot. */
  private async authenticate(ctx: Ctx): Promise<boolean> {
    this.pruneSessions();
    const sid = cookieValue(ctx.req, 'JSESSIONID');
    if (sid) {
      const s = this.sessions.get(sid);
      if (s) {
        s.last = Date.now();
        ctx.user = s.user;
        ctx.sessionId = sid;
        return true;
      }
    }
    const auth = ctx.req.headers.authorization;
    if (auth && /^Basic /i.test(auth)) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const user = i < 0 ? decoded : decoded.slice(0, i);
      const pass = i < 0 ? '' : decoded.slice(i + 1);
      const name = user.includes('/') ? user.slice(user.indexOf('/') + 1) : user;
      const ok = this.checkPassword(name, pass);
      if (ok) {
        this.newSession(ctx, ok);
        return true;
      }
      this.stats.failedLogins++;
      await this.send(
        ctx,
        401,
        'text/html;charset=utf-8',
        tomcatErrorPage(401, 'Unauthorized', 'Login attempt failed. Please try again.'),
        {
          'WWW-Authenticate': 'Basic realm="XNAT"',
        },
      );
      return false;
    }
    const ua = ctx.req.headers['user-agent'] ?? '';
    if (BROWSER_UA.some((r) => r.test(ua))) {
      ctx.res.writeHead(302, {
        ...this.baseHeaders(ctx),
        Location: '/app/template/Login.vm',
        'Content-Length': '0',
      });
      this.record(ctx, 302);
      ctx.res.end();
      return false;
    }
    await this.send(
      ctx,
      401,
      'text/html;charset=utf-8',
      tomcatErrorPage(401, 'Unauthorized', 'Full authentication is required to access this resource'),
      {
        'WWW-Authenticate': 'Basic realm="XNAT"',
      },
    );
    return false;
  }

  // ------------------------------------------------------------------------------------ routes

  private async route(ctx: Ctx, body: Buffer): Promise<void> {
    let segs = ctx.url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    if (segs[0] !== 'data' && segs[0] !== 'REST') {
      if (segs.length === 0)
        return this.send(ctx, 200, 'text/html', '<html><body>XNAT stand-in (csc-mlops)</body></html>');
      throw notFound('The requested resource could not be found.');
    }
    segs = segs.slice(1);
    if (segs[0] === 'archive') segs = segs.slice(1);
    const login = this.loginRoutes.match(ctx.method, segs);
    if (login) return login.route.handle(ctx, login.params, body);
    if (!(await this.authenticate(ctx))) return;
    const found = this.routes.match(ctx.method, segs);
    if (found) return found.route.handle(ctx, found.params, undefined);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new HttpFail(405, 'Method Not Allowed');
    throw notFound('The requested resource could not be found.');
  }

  /** Routes answered without a session: the login form. */
  private readonly loginRoutes = new RouteTable<Ctx, Buffer>([
    {
      methods: ['PUT', 'POST'],
      path: 'services/auth',
      handle: async (ctx, _p, body) => {
        const form = new URLSearchParams(body.toString('utf8'));
        const user = this.checkPassword(form.get('username') ?? '', form.get('password') ?? '');
        if (!user) {
          this.stats.failedLogins++;
          return this.send(
            ctx,
            401,
            'text/html;charset=UTF-8',
            restletErrorPage(401, 'Authentication failed.'),
          );
        }
        const id = this.newSession(ctx, user);
        return this.send(ctx, 200, 'text/plain;charset=UTF-8', id);
      },
    },
  ]);

  /**
   * Routes of an authenticated request, under `/data` (or `/REST`, `/data/archive`). Anything else is
   * 405 for a method other than GET and HEAD, else 404.
   */
  private readonly routes = new RouteTable<Ctx, undefined>([
    {
      methods: ['DELETE'],
      path: 'JSESSION',
      handle: async (ctx) => {
        if (ctx.sessionId) this.sessions.delete(ctx.sessionId);
        return this.send(ctx, 200, 'text/plain;charset=UTF-8', '');
      },
    },
    {
      path: 'JSESSION',
      handle: async (ctx) => {
        let text = ctx.sessionId ?? '';
        if (/^true$/i.test(ctx.url.searchParams.get('CSRF') ?? '')) text += `; XNAT_CSRF=${randomUUID()}`;
        return this.send(ctx, 200, 'text/plain;charset=UTF-8', text);
      },
    },
    {
      path: 'auth',
      handle: (ctx) => this.send(ctx, 200, 'text/plain;charset=UTF-8', `User '${ctx.user}' is logged in`),
    },
    { path: 'version', handle: (ctx) => this.send(ctx, 200, 'text/plain;charset=UTF-8', '1.8.10') },
    { path: 'services/tokens/issue', handle: (ctx) => this.issueTokenRoute(ctx) },
    {
      path: 'services/tokens/issue/user/**',
      handle: async () => {
        throw new HttpFail(403, 'Forbidden');
      },
    },
    {
      path: 'services/tokens/validate/:alias/:secret/**',
      handle: (ctx, p) => {
        const t = this.tokens.get(param(p, 'alias'));
        return this.sendJson(
          ctx,
          t && t.secret === param(p, 'secret') ? orgJsonStringify({ valid: t.user }) : '{}',
        );
      },
    },
    {
      path: 'services/tokens/invalidate/:alias/:secret/**',
      handle: (ctx, p) => {
        const alias = param(p, 'alias');
        const t = this.tokens.get(alias);
        if (!t || t.secret !== param(p, 'secret')) throw new HttpFail(401, 'Unauthorized');
        this.tokens.delete(alias);
        return this.sendJson(ctx, '{"result": "OK"}');
      },
    },
    {
      path: 'services/tokens/**',
      handle: async () => {
        throw notFound('The requested resource could not be found.');
      },
    },
    { methods: READ, path: 'projects', handle: (ctx) => this.listProjects(ctx) },
    {
      methods: READ,
      path: 'projects/:project',
      handle: (ctx, p) => {
        const project = this.archive.findProject(param(p, 'project'));
        if (!project) throw notFound('Unable to find the specified experiment.');
        return this.item(ctx, this.projectItem(project));
      },
    },
    {
      methods: READ,
      path: 'projects/:project/subjects',
      handle: (ctx, p) => this.listSubjects(ctx, this.project(p)),
    },
    {
      methods: READ,
      path: 'projects/:project/subjects/:subject',
      handle: (ctx, p) => {
        const project = this.project(p);
        return this.item(ctx, this.subjectItem(this.subject(project, p), project));
      },
    },
    {
      methods: READ,
      path: 'projects/:project/subjects/:subject/experiments',
      handle: (ctx, p) => {
        const project = this.project(p);
        return this.listExperiments(ctx, this.subject(project, p).experiments, project);
      },
    },
    {
      methods: READ,
      path: 'projects/:project/subjects/:subject/experiments/:experiment/**',
      handle: (ctx, p) => {
        const project = this.project(p);
        return this.experimentRoute(ctx, this.experiment(p, project, this.subject(project, p)), p.rest);
      },
    },
    {
      methods: READ,
      path: 'projects/:project/subjects/:subject/**',
      handle: async (_ctx, p) => {
        this.subject(this.project(p), p);
        throw notFound('The requested resource could not be found.');
      },
    },
    {
      methods: READ,
      path: 'projects/:project/experiments',
      handle: (ctx, p) => {
        const project = this.project(p);
        return this.listExperiments(
          ctx,
          project.subjects.flatMap((s) => s.experiments),
          project,
        );
      },
    },
    {
      methods: READ,
      path: 'projects/:project/experiments/:experiment/**',
      handle: (ctx, p) => this.experimentRoute(ctx, this.experiment(p, this.project(p)), p.rest),
    },
    {
      methods: READ,
      path: 'projects/:project/resources',
      handle: (ctx, p) => {
        this.project(p);
        return this.sendJson(
          ctx,
          resultSetJson([], { order: 'hash', totalRecords: true, title: 'Resources' }),
        );
      },
    },
    {
      methods: READ,
      path: 'projects/:project/files',
      handle: (ctx, p) => {
        this.project(p);
        return this.sendJson(
          ctx,
          resultSetJson([], { order: 'hash', totalRecords: false, title: 'Files', columnsHeader: true }),
        );
      },
    },
    {
      methods: READ,
      path: 'projects/:project/**',
      handle: async (_ctx, p) => {
        this.project(p);
        throw notFound('The requested resource could not be found.');
      },
    },
    {
      methods: READ,
      path: 'subjects/:subject',
      handle: (ctx, p) => {
        const id = param(p, 'subject');
        const s = this.archive.subjectById(id);
        if (!s) throw notFound(`Unable to identify subject ${id}`);
        return this.item(ctx, this.subjectItem(s, this.archive.findProject(s.project)));
      },
    },
    {
      methods: READ,
      path: 'experiments',
      handle: (ctx) => {
        const all = this.archive.projects.flatMap((p) => p.subjects.flatMap((s) => s.experiments));
        return this.listExperiments(ctx, [...new Set(all)], undefined, 'Matching experiments');
      },
    },
    {
      methods: READ,
      path: 'experiments/:experiment/**',
      handle: (ctx, p) => this.experimentRoute(ctx, this.experiment(p), p.rest),
    },
  ]);

  /** The `:project` of a route, or 404. */
  private project(p: RouteParams): ArchiveProject {
    const id = param(p, 'project');
    const project = this.archive.findProject(id);
    if (!project) throw notFound(`Unable to identify project ${id}`);
    return project;
  }

  /** The `:subject` of a route in `project`, or 404. */
  private subject(project: ArchiveProject, p: RouteParams): ArchiveSubject {
    const id = param(p, 'subject');
    const subject = this.archive.findSubject(project, id);
    if (!subject) throw notFound(`Unable to identify subject ${id}`);
    return subject;
  }

  /** The `:experiment` of a route (by ID, or by label in `project` / `subject`), or 404. */
  private experiment(p: RouteParams, project?: ArchiveProject, subject?: ArchiveSubject): ArchiveExperiment {
    const id = param(p, 'experiment');
    const exp = project ? this.archive.findExperiment(project, subject, id) : this.archive.experimentById(id);
    if (!exp) throw notFound('Unable to find the specified experiment.');
    return exp;
  }

  private async issueTokenRoute(ctx: Ctx): Promise<void> {
    const { alias, secret } = this.issueToken(ctx.user!);
    const t = this.tokens.get(alias)!;
    const now = Date.now();
    const json = {
      alias,
      secret,
      xdatUserId: ctx.user!,
      singleUse: false,
      estimatedExpirationTime: now + 2 * 24 * 3600_000,
      validIPAddresses: [],
      id: t.id,
      enabled: true,
      created: t.created,
      timestamp: now,
      disabled: 0,
    } as JsonValue;
    return this.sendJson(ctx, orgJsonStringify(json));
  }

  private experimentRoute(ctx: Ctx, exp: ArchiveExperiment, rest: readonly string[]): Promise<void> {
    const found = this.experimentRoutes.match(ctx.method, rest);
    if (!found) throw notFound('The requested resource could not be found.');
    return found.route.handle(ctx, found.params, exp);
  }

  /** Routes under an experiment (`…/experiments/{id}/…`); the experiment is found already. */
  private readonly experimentRoutes = new RouteTable<Ctx, ArchiveExperiment>([
    { path: '', handle: (ctx, _p, exp) => this.item(ctx, this.experimentItem(exp)) },
    { path: 'scans', handle: (ctx, _p, exp) => this.listScans(ctx, exp) },
    {
      path: 'scans/:scans',
      handle: (ctx, p, exp) => {
        const scans = this.scans(exp, p);
        if (scans.length !== 1) throw notFound('Unable to find the specified scan.');
        return this.item(ctx, this.scanItem(scans[0]!));
      },
    },
    {
      path: 'scans/:scans/files/**',
      handle: (ctx, p, exp) =>
        this.files(
          ctx,
          this.scans(exp, p).flatMap((s) => s.resources.map((r) => [s, r] as const)),
          p.rest,
        ),
    },
    { path: 'scans/:scans/resources', handle: (ctx, p, exp) => this.listResources(ctx, this.scans(exp, p)) },
    {
      path: 'scans/:scans/resources/:resources',
      handle: (ctx, p, exp) => this.files(ctx, this.scanResources(exp, p), []),
    },
    {
      path: 'scans/:scans/resources/:resources/files/**',
      handle: (ctx, p, exp) => this.files(ctx, this.scanResources(exp, p), p.rest),
    },
    {
      path: 'scans/:scans/resources/:resources/**',
      handle: async (_ctx, p, exp) => {
        this.scanResources(exp, p);
        throw notFound('The requested resource could not be found.');
      },
    },
    {
      path: 'scans/:scans/**',
      handle: async (_ctx, p, exp) => {
        this.scans(exp, p);
        throw notFound('The requested resource could not be found.');
      },
    },
    {
      path: 'resources',
      handle: (ctx) =>
        this.sendJson(ctx, resultSetJson([], { order: 'hash', totalRecords: true, title: 'Resources' })),
    },
    { path: 'files', handle: (ctx) => this.files(ctx, [], []) },
  ]);

  /** The `:scans` of a route (an ID, a comma list, a type or `ALL`), at least one, or 404. */
  private scans(exp: ArchiveExperiment, p: RouteParams): ArchiveScan[] {
    const scans = selectScans(exp, param(p, 'scans'));
    if (scans.length === 0) throw notFound('Unable to find the specified scan.');
    return scans;
  }

  /** The `:resources` of the route's `:scans`, at least one, or 404. */
  private scanResources(exp: ArchiveExperiment, p: RouteParams): (readonly [ArchiveScan, ArchiveResource])[] {
    const label = param(p, 'resources');
    const pairs = this.scans(exp, p).flatMap((s) =>
      selectResources(s.resources, label).map((r) => [s, r] as const),
    );
    if (pairs.length === 0) throw notFound(`Unable to find resource ${label}`);
    return pairs;
  }

  // ---------------------------------------------------------------------------------- listings

  private async listing(
    ctx: Ctx,
    rows: Record<string, string>[],
    opts: { paging: boolean; rootPk?: string; title?: string; extraKeys?: string[] },
  ): Promise<void> {
    const q = ctx.url.searchParams;
    const params = [...q.entries()];
    // Filters: any parameter named like a column (comma = OR, * or % = wildcard).
    let out = rows;
    for (const [name, value] of params) {
      const lower = name.toLowerCase();
      if (RESERVED_PARAMS.has(lower) && lower !== 'xsitype') continue;
      const key = Object.keys(rows[0] ?? {}).find((k) => k.toLowerCase() === lower);
      if (!key) continue;
      const alts = value.split(',').map((v) => {
        if (/[*%]/.test(v)) {
          const re = new RegExp(
            `^${v
              .split(/[*%]/)
              .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
              .join('.*')}$`,
          );
          return (s: string) => re.test(s);
        }
        return lower === 'xsitype'
          ? (s: string) => s.toLowerCase() === v.toLowerCase()
          : (s: string) => s === v;
      });
      out = out.filter((r) => alts.some((f) => f(r[key] ?? '')));
    }
    const sortBy = q.get('sortBy');
    if (sortBy) {
      const keys = sortBy.split(',');
      const desc = /^desc$/i.test(q.get('sortOrder') ?? '');
      out = [...out].sort((x, y) => {
        for (const k of keys) {
          const kk = Object.keys(x).find((n) => n.toLowerCase() === k.toLowerCase()) ?? k;
          const c = (x[kk] ?? '').localeCompare(y[kk] ?? '');
          if (c !== 0) return desc ? -c : c;
        }
        return 0;
      });
    }
    let paged = false;
    if (opts.paging && (q.has('limit') || q.has('offset'))) {
      paged = true;
      const lim = q.get('limit');
      const limit = lim === '*' ? Infinity : lim === null ? 100 : Math.max(0, Number.parseInt(lim, 10) || 0);
      const offset = Math.max(0, Number.parseInt(q.get('offset') ?? '0', 10) || 0);
      out = out.slice(offset, offset + limit);
    }
    const xsiType = q.get('xsiType');
    const rootPk =
      opts.rootPk === undefined ? undefined : xsiType ? `${xsiType.toLowerCase()}/id` : opts.rootPk;
    const columns = q.get('columns');
    let order: 'hash' | string[] = 'hash';
    if (columns && columns.toUpperCase() !== 'DEFAULT') {
      const all = Object.keys(rows[0] ?? {});
      const wanted: string[] = [];
      for (const c of columns.split(',')) {
        const k = all.find((n) => n.toLowerCase() === c.trim().toLowerCase());
        if (k && k !== 'URI' && !wanted.includes(k) && k !== opts.rootPk) wanted.push(k);
      }
      wanted.push('URI');
      if (rootPk) wanted.push(rootPk);
      order = wanted;
      out = out.map((r) => {
        const o: Record<string, string> = {};
        for (const k of wanted) o[k] = k === rootPk ? (r.ID ?? '') : (r[k] ?? '');
        return o;
      });
    } else if (rootPk && opts.rootPk && rootPk !== opts.rootPk) {
      out = out.map((r) => {
        const o = { ...r };
        const v = o[opts.rootPk!] ?? '';
        delete o[opts.rootPk!];
        o[rootPk] = v;
        return o;
      });
    }
    const format = (q.get('format') ?? 'json').toLowerCase();
    if (format === 'csv') {
      const keys = order === 'hash' ? Object.keys(out[0] ?? {}) : order;
      const text =
        [keys.join(','), ...out.map((r) => keys.map((k) => csvCell(r[k] ?? '')).join(','))].join('\n') + '\n';
      return this.send(ctx, 200, 'text/csv;charset=UTF-8', text);
    }
    if (format === 'html') {
      const keys = order === 'hash' ? Object.keys(out[0] ?? {}) : order;
      const rowsHtml = out
        .map((r) => `<tr>${keys.map((k) => `<td>${r[k] ?? ''}</td>`).join('')}</tr>`)
        .join('');
      return this.send(
        ctx,
        200,
        'text/html;charset=UTF-8',
        `<html><body><table><tr>${keys.map((k) => `<th>${k}</th>`).join('')}</tr>${rowsHtml}</table></body></html>`,
      );
    }
    if (format !== 'json')
      throw new HttpFail(415, `Unsupported format: ${format} (the stand-in serves json, csv, html and zip)`);
    const opt: Parameters<typeof resultSetJson>[1] = { order, totalRecords: !paged };
    if (opts.title !== undefined) opt.title = opts.title;
    return this.sendJson(ctx, resultSetJson(out, opt));
  }

  private listProjects(ctx: Ctx): Promise<void> {
    const rows = this.archive.projects.map((p) => ({
      ID: p.id,
      secondary_ID: p.secondary_ID,
      name: p.name,
      description: p.description,
      pi_firstname: p.pi_firstname,
      pi_lastname: p.pi_lastname,
      URI: `/data/projects/${p.id}`,
    }));
    return this.listing(ctx, rows, { paging: false });
  }

  private listSubjects(ctx: Ctx, project: ArchiveProject): Promise<void> {
    const rows = project.subjects.map((s) => ({
      ID: s.id,
      project: s.project,
      label: s.label,
      insert_date: s.insert_date,
      insert_user: s.insert_user,
      URI: `/data/subjects/${s.id}`,
    }));
    return this.listing(ctx, rows, { paging: true });
  }

  private listExperiments(
    ctx: Ctx,
    exps: ArchiveExperiment[],
    _project: ArchiveProject | undefined,
    title?: string,
  ): Promise<void> {
    const rows = exps.map((e) => ({
      ID: e.id,
      project: e.project,
      date: e.date ?? '',
      xsiType: e.xsiType,
      label: e.label,
      insert_date: e.insert_date,
      'xnat:subjectassessordata/id': e.id,
      URI: `/data/experiments/${e.id}`,
    }));
    const opts: { paging: boolean; rootPk: string; title?: string } = {
      paging: true,
      rootPk: 'xnat:subjectassessordata/id',
    };
    if (title !== undefined) opts.title = title;
    return this.listing(ctx, rows, opts);
  }

  private listScans(ctx: Ctx, exp: ArchiveExperiment): Promise<void> {
    const rows = exp.scans.map((s) => ({
      xnat_imagescandata_id: String(s.imagescandataId),
      ID: s.id,
      type: s.type ?? '',
      quality: s.quality ?? '',
      xsiType: s.xsiType,
      note: s.note ?? '',
      series_description: s.series_description ?? '',
      URI: `/data/experiments/${exp.id}/scans/${s.id}`,
    }));
    return this.listing(ctx, rows, { paging: false });
  }

  private listResources(ctx: Ctx, scans: ArchiveScan[]): Promise<void> {
    const rows = scans.flatMap((s) =>
      s.resources.map((r) => ({
        xnat_abstractresource_id: String(r.id),
        label: r.label,
        element_name: 'xnat:resourceCatalog',
        category: 'scans',
        cat_id: s.id,
        cat_desc: s.type ?? '',
        file_count: String(r.fileCount ?? r.files.length),
        file_size: String(r.fileSize ?? r.files.reduce((a, f) => a + f.size, 0)),
        tags: r.tags.map((t) => t.tag).join(','),
        content: r.content ?? '',
        format: r.format ?? '',
      })),
    );
    return this.listing(ctx, rows, { paging: false, title: 'Resources' });
  }

  // ------------------------------------------------------------------------------------- files

  private async files(
    ctx: Ctx,
    pairs: (readonly [ArchiveScan, ArchiveResource])[],
    path: readonly string[],
  ): Promise<void> {
    const q = ctx.url.searchParams;
    const format = (q.get('format') ?? '').toLowerCase();
    const sub = path.join('/');
    const entries: { scan: ArchiveScan; res: ArchiveResource; file: ArchiveFile }[] = [];
    for (const [scan, res] of pairs)
      for (const file of res.files) {
        if (sub === '' || file.name === sub || file.name.startsWith(`${sub}/`))
          entries.push({ scan, res, file });
      }
    if (sub !== '' && format !== 'zip') {
      const exact = entries.find((e) => e.file.name === sub);
      if (!exact) throw notFound('Unable to find file.');
      const data = await exact.file.read();
      return this.send(ctx, 200, mediaTypeFor(exact.file.name), data, {
        'Last-Modified': exact.file.mtime.toUTCString(),
        'Cache-Control': 'must-revalidate',
      });
    }
    if (format === 'zip') return this.zip(ctx, entries);
    if (format !== '' && format !== 'json') throw new HttpFail(415, `Unsupported format: ${format}`);
    const rows: Record<string, string>[] = [];
    for (const { scan, res, file } of entries) {
      const exp = scan.experiment;
      rows.push({
        Name: file.name.split('/').pop() ?? file.name,
        Size: String(file.size),
        URI: `/data/experiments/${exp.id}/scans/${scan.id}/resources/${res.id}/files/${file.name}`,
        collection: res.label,
        file_tags: '',
        file_format: res.format ?? '',
        file_content: res.content ?? '',
        cat_ID: String(res.id),
        digest: await file.digest(),
      });
    }
    return this.sendJson(
      ctx,
      resultSetJson(rows, { order: 'hash', totalRecords: false, title: 'Files', columnsHeader: true }),
    );
  }

  private async zip(
    ctx: Ctx,
    entries: { scan: ArchiveScan; res: ArchiveResource; file: ArchiveFile }[],
  ): Promise<void> {
    if (entries.length === 0) throw notFound('Unable to find file.');
    const structure = (ctx.url.searchParams.get('structure') ?? 'legacy').toLowerCase();
    const deflate = ctx.url.searchParams.get('compression') === '8';
    const exps = new Set(entries.map((e) => e.scan.experiment));
    const name = exps.size === 1 ? [...exps][0]!.label : 'various';
    const res = ctx.res;
    res.writeHead(200, {
      ...this.baseHeaders(ctx),
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${name}.zip";`,
      'Cache-Control': 'must-revalidate',
    });
    this.record(ctx, 200);
    this.stats.zipDownloads++;
    const zip = new yazl.ZipFile();
    const pump = (async () => {
      for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) await this.write(ctx, chunk);
    })();
    pump.catch(() => undefined);
    try {
      for (const { scan, res: r, file } of entries) {
        const type = (scan.type ?? '').replace(/\W/g, '_');
        const scanDir =
          type === '' ? scan.id : structure === 'improved' ? `${scan.id}_${type}` : `${scan.id}-${type}`;
        const label = scan.experiment.label || scan.experiment.id;
        const entryName =
          structure === 'simplified'
            ? `${label}/scans/${scanDir}/${r.label}/${file.name}`
            : structure === 'improved'
              ? `${label}/scans/${scanDir}/${r.label}/${file.name}`
              : `${label}/scans/${scanDir}/resources/${r.label}/files/${file.name}`;
        zip.addBuffer(await file.read(), entryName, { compress: deflate, mtime: file.mtime });
      }
      zip.end();
      await pump;
      res.end();
    } catch {
      res.destroy();
    }
  }

  // ------------------------------------------------------------------------------------- items

  private async item(ctx: Ctx, item: JsonValue): Promise<void> {
    const format = (ctx.url.searchParams.get('format') ?? '').toLowerCase();
    if (format === 'json') return this.sendJson(ctx, orgJsonStringify({ items: [item] }));
    if (format === '' || format === 'html')
      return this.send(
        ctx,
        200,
        'text/html;charset=UTF-8',
        `<html><body><pre>${orgJsonStringify(item).replace(/</g, '&lt;')}</pre></body></html>`,
      );
    throw new HttpFail(415, `Unsupported format: ${format} (the stand-in serves items as json or html)`);
  }

  private projectItem(p: ArchiveProject): JsonValue {
    const df: Record<string, JsonValue> = { ID: p.id, secondary_ID: p.secondary_ID, name: p.name };
    if (p.description) df.description = p.description;
    return { children: [], meta: itemMeta(p.meta, 'xnat:projectData'), data_fields: df };
  }

  private subjectItem(s: ArchiveSubject, _project: ArchiveProject | undefined): JsonValue {
    const df = fieldsFirst(s.fields, { project: s.project, ID: s.id, label: s.label });
    const children: JsonValue[] = [];
    if (s.experiments.length)
      children.push({
        field: 'experiments/experiment',
        items: s.experiments.map((e) => this.experimentItem(e)),
      });
    return { children, meta: itemMeta(s.meta, 'xnat:subjectData'), data_fields: df };
  }

  private experimentItem(e: ArchiveExperiment): JsonValue {
    const std: Record<string, JsonValue> = {
      subject_ID: e.subject.id,
      project: e.project,
      label: e.label,
      id: e.id,
      ID: e.id,
    };
    if (e.date) std.date = e.date;
    if (e.modality) std.modality = e.modality;
    if (e.uid) std.UID = e.uid;
    const df = fieldsFirst(e.fields, std);
    const children: JsonValue[] = [];
    if (e.scans.length) children.push({ field: 'scans/scan', items: e.scans.map((s) => this.scanItem(s)) });
    return { children, meta: itemMeta(e.meta, e.xsiType), data_fields: df };
  }

  private scanItem(s: ArchiveScan): JsonValue {
    const std: Record<string, JsonValue> = {
      xnat_imagescandata_id: s.imagescandataId,
      project: s.experiment.project,
      ID: s.id,
      image_session_ID: s.experiment.id,
      xnat_imageScanData_id: s.imagescandataId,
    };
    if (s.type !== undefined) std.type = s.type;
    if (s.series_description !== undefined) std.series_description = s.series_description;
    if (s.quality !== undefined) std.quality = s.quality;
    if (s.note !== undefined) std.note = s.note;
    if (s.frames !== undefined) std.frames = s.frames;
    if (s.uid !== undefined) std.UID = s.uid;
    if (s.modality !== undefined) std.modality = s.modality;
    const df = fieldsFirst(s.fields, std);
    const children: JsonValue[] = [];
    if (s.resources.length) children.push({ field: 'file', items: s.resources.map((r) => resourceItem(r)) });
    if (s.shares.length)
      children.push({
        field: 'sharing/share',
        items: s.shares.map((sh) => {
          const d: Record<string, JsonValue> = { project: sh.project, xnat_imageScanData_share_id: sh.id };
          if (sh.label !== undefined) d.label = sh.label;
          return { children: [], meta: itemMeta(sh.meta, 'xnat:imageScanData_share'), data_fields: d };
        }),
      });
    return { children, meta: itemMeta(s.meta, s.xsiType), data_fields: df };
  }
}

/**
 * `data_fields` in insertion order: the description's `fields` first (their order is how a given
 * XNAT version fills the item, which differs between servers), then the standard fields.
 */
function fieldsFirst(
  fields: Record<string, JsonValue>,
  standard: Record<string, JsonValue>,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { ...fields };
  for (const [k, v] of Object.entries(standard)) if (!(k in out)) out[k] = v;
  return out;
}

function itemMeta(m: { create_event_id: number; start_date: string }, xsiType: string): JsonValue {
  return {
    create_event_id: m.create_event_id,
    'xsi:type': xsiType,
    isHistory: false,
    start_date: m.start_date,
  };
}

function resourceItem(r: ArchiveResource): JsonValue {
  const df: Record<string, JsonValue> = {
    file_count: r.fileCount ?? r.files.length,
    xnat_abstractresource_id: r.id,
    label: r.label,
    URI: r.catalogUri,
    file_size: r.fileSize ?? r.files.reduce((a, f) => a + f.size, 0),
    xnat_abstractResource_id: r.id,
  };
  if (r.format !== undefined) df.format = r.format;
  if (r.content !== undefined) df.content = r.content;
  const children: JsonValue[] = [];
  if (r.tags.length)
    children.push({
      field: 'tags/tag',
      items: r.tags.map((t) => ({
        children: [],
        meta: itemMeta(t.meta, 'xnat:abstractResource_tag'),
        data_fields: { xnat_abstractResource_tag_id: t.id, tag: t.tag },
      })),
    });
  return { children, meta: itemMeta(r.meta, 'xnat:resourceCatalog'), data_fields: df };
}

/** XNAT's scan selector: IDs or types, comma lists, `ALL`/`*`, `NULL`, `[SLASH]`/`[COMMA]` escapes. */
function selectScans(exp: ArchiveExperiment, sel: string): ArchiveScan[] {
  if (sel === 'ALL' || sel === '*') return exp.scans;
  const out: ArchiveScan[] = [];
  for (const raw of sel.split(',')) {
    const v = raw.replace(/\[SLASH\]/g, '/').replace(/\[COMMA\]/g, ',');
    for (const s of exp.scans) {
      const hit = s.id === v || (v === 'NULL' ? (s.type ?? '') === '' : s.type === v);
      if (hit && !out.includes(s)) out.push(s);
    }
  }
  return out;
}

/** Resources by numeric ID or label, comma lists allowed. */
function selectResources(resources: ArchiveResource[], sel: string): ArchiveResource[] {
  const out: ArchiveResource[] = [];
  for (const v of sel.split(','))
    for (const r of resources) if ((String(r.id) === v || r.label === v) && !out.includes(r)) out.push(r);
  return out;
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const h = req.headers.cookie;
  if (!h) return undefined;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name)
      return part
        .slice(i + 1)
        .trim()
        .replace(/^"|"$/g, '');
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n <= 1 << 20) chunks.push(c);
  }
  return Buffer.concat(chunks);
}

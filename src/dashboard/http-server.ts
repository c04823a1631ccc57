/**
 * The dashboard's HTTP server (node:http; README, "Dashboard"):
 *
 * - `GET /` the page (web/dashboard/index.html with this server's token in a
 *   meta tag), `GET /dashboard.js` and `/dashboard.css` beside it;
 * - `GET /api/state` the {@link DashboardState} as JSON, `GET /events` the same
 *   as server-sent events (`event: state`), sent whenever it changed;
 * - `POST /api/pause`, `/api/resume`, `/api/migrate`: the actions. A POST must
 *   be `Content-Type: application/json` (415 otherwise) and carry the token in
 *   `X-Migvisor-Token` (403 otherwise), which a page of another origin can do
 *   neither of without a CORS preflight this server never answers. A call the
 *   cluster refused is `200 {"ok": false, "error": ...}` (the request was fine;
 *   the page shows the error); a malformed request is a 4xx with `{"error"}`.
 *
 * On a loopback or other fixed address, a request must name this server in its
 * `Host` (the address, or localhost/127.0.0.1/[::1] with its port; 421
 * otherwise): a page of another site that has its name resolve to 127.0.0.1
 * (DNS rebinding) would otherwise be same-origin with the dashboard and read the
 * token. On a wildcard address (0.0.0.0, ::) any Host is served.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Code, describeError, InvalidArgumentError, MigvisorError, PACKAGE_ROOT } from '../common/index.ts';
import type { DashboardActions } from './actions.ts';
import type { ClusterView } from './cluster-view.ts';

/** Where the page's files are shipped. */
export const ASSETS_DIR = path.join(PACKAGE_ROOT, 'web', 'dashboard');
/** Largest POST body read, bytes. */
const MAX_BODY = 16 * 1024;
/** Event streams served at once. */
const MAX_STREAMS = 32;
/** How often an event stream checks for a new state, ms. */
const STREAM_MS = 250;
/** A comment line on an idle stream, so proxies keep it open, ms. */
const HEARTBEAT_MS = 15_000;

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

/** An HTTP status for a request the server refuses. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const CODE_NAMES = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k])) as Record<number, string>;

/** Serves the page, its state and its actions. */
export class DashboardHttp {
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  /** The Host values this server answers; undefined: any (it listens on a wildcard address). */
  private hosts: Set<string> | undefined;

  constructor(
    private readonly view: ClusterView,
    private readonly actions: DashboardActions,
    /** The per-server token a POST must carry (embedded in the page). */
    readonly token: string,
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  /** Listens on `hostPort` (port 0: a free one); resolves with `host:port`. */
  listen(hostPort: string): Promise<string> {
    const m = /^(.*):(\d{1,5})$/.exec(hostPort);
    if (!m || Number(m[2]) > 65535) return Promise.reject(new InvalidArgumentError(`--listen must be HOST:PORT, got ${JSON.stringify(hostPort)}`));
    const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
    return new Promise<string>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void =>
        reject(new MigvisorError(`the dashboard cannot listen on ${hostPort}: ${e.code === 'EADDRINUSE' ? 'the address is in use' : e.message}`, Code.UNAVAILABLE));
      this.server.once('error', onError);
      this.server.listen(Number(m[2]), host, () => {
        this.server.off('error', onError);
        const a = this.server.address() as AddressInfo;
        const address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
        const wildcard = a.address === '0.0.0.0' || a.address === '::';
        this.hosts = wildcard ? undefined : new Set([address, `localhost:${a.port}`, `127.0.0.1:${a.port}`, `[::1]:${a.port}`, `${host}:${a.port}`].map((h) => h.toLowerCase()));
        resolve(address);
      });
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    try {
      if (this.hosts && !this.hosts.has((req.headers.host ?? '').toLowerCase())) throw new HttpError(421, `this dashboard does not serve the host ${JSON.stringify(req.headers.host ?? '')}`);
      if (req.method === 'GET' && ASSETS[url.pathname]) return this.asset(url.pathname, res);
      if (req.method === 'GET' && url.pathname === '/api/state') return this.json(res, 200, this.view.snapshot());
      if (req.method === 'GET' && url.pathname === '/events') return this.stream(req, res);
      if (url.pathname === '/api/pause' || url.pathname === '/api/resume' || url.pathname === '/api/migrate') {
        if (req.method !== 'POST') throw new HttpError(405, `${url.pathname} takes POST`);
        return await this.action(url.pathname.slice('/api/'.length) as 'pause' | 'resume' | 'migrate', req, res);
      }
      throw new HttpError(404, `no ${url.pathname} here`);
    } catch (e: unknown) {
      if (res.headersSent) return void res.end();
      this.json(res, e instanceof HttpError ? e.status : 500, { error: describeError(e) });
    }
  }

  private asset(route: string, res: http.ServerResponse): void {
    const a = ASSETS[route]!;
    let body = fs.readFileSync(path.join(ASSETS_DIR, a.file), 'utf8');
    if (route === '/') body = body.replace('{{TOKEN}}', this.token);
    res.writeHead(200, { ...HEADERS, 'Content-Type': a.type });
    res.end(body);
  }

  private json(res: http.ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { ...HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(value));
  }

  private stream(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.streams.size >= MAX_STREAMS) throw new HttpError(503, `this dashboard serves at most ${MAX_STREAMS} pages at once`);
    res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    this.streams.add(res);
    let sent = -1;
    let quiet = 0;
    const send = (): void => {
      if (this.view.version !== sent) {
        sent = this.view.version;
        quiet = 0;
        res.write(`event: state\ndata: ${JSON.stringify(this.view.snapshot())}\n\n`);
      } else if ((quiet += STREAM_MS) >= HEARTBEAT_MS) {
        quiet = 0;
        res.write(': idle\n\n');
      }
    };
    send();
    const timer = setInterval(send, STREAM_MS);
    const end = (): void => {
      clearInterval(timer);
      this.streams.delete(res);
    };
    req.on('close', end);
    res.on('close', end);
  }

  private async action(what: 'pause' | 'resume' | 'migrate', req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'an action must be sent as application/json');
    if (req.headers['x-migvisor-token'] !== this.token) throw new HttpError(403, 'an action must carry this dashboard\'s token (reload the page)');
    const body = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpError(400, 'the request body is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'the request body must be a JSON object');
    try {
      const r = what === 'migrate' ? await this.actions.migrate(parsed) : await this.actions.pauseOrResume(what, parsed);
      this.json(res, 200, { ok: true, message: r.message });
    } catch (e: unknown) {
      if (e instanceof InvalidArgumentError) throw new HttpError(400, e.message);
      const code = e instanceof MigvisorError ? e.code : Code.INTERNAL;
      this.json(res, 200, { ok: false, status: CODE_NAMES[code] ?? 'UNKNOWN', error: describeError(e) });
    }
  }

  /** Ends every event stream and stops listening. */
  close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    return new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      // The rest is read and dropped, so that the answer reaches the client.
      if (size > MAX_BODY) reject(new HttpError(413, `an action's body is at most ${MAX_BODY} bytes`));
      else parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

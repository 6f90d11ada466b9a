import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { z } from 'zod';
import { signDevToken } from '@budget-erp/auth';
import { ConsoleConfig, SERVICE_NAMES, ServiceName } from './config';
import { PERSONA_IDS, PERSONAS, personaClaims } from './personas';

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 30000;
/** Request headers the console passes to a service; cookies and anything else stay behind. */
const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'accept-language', 'x-correlation-id'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'location', 'retry-after', 'x-correlation-id'];
/** Routes of a service that are for operators and probes, not for browsers. */
const NOT_PROXIED = /^\/(metrics|health)(\/|$)/;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};

const DevSignInBody = z.strictObject({
  companyId: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  persona: z.enum(PERSONA_IDS as [string, ...string[]]),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Payload Too Large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function securityHeaders(config: ConsoleConfig): Record<string, string> {
  const connect = ["'self'", ...(config.oidc ? [new URL(config.oidc.issuer).origin] : [])].join(' ');
  return {
    'content-security-policy': `default-src 'self'; connect-src ${connect}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

/** `/api/<service>/<path>` to the service, with the caller's own token; the console adds no credentials. */
async function proxy(config: ConsoleConfig, req: IncomingMessage, res: ServerResponse, service: ServiceName, path: string): Promise<void> {
  if (NOT_PROXIED.test(path)) throw new HttpError(404, 'Not Found', `${path} is not available through the console`);
  const target = new URL(path, config.services[service]);
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  let upstream: Response;
  try {
    upstream = await fetch(target, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
  } catch {
    throw new HttpError(502, 'Bad Gateway', `The ${service} service cannot be reached; try again in a moment.`);
  }
  const answer = Buffer.from(await upstream.arrayBuffer());
  const out: Record<string, string> = { 'cache-control': 'no-store', 'content-length': String(answer.length) };
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) out[name] = value;
  }
  res.writeHead(upstream.status, out);
  res.end(answer);
}

function serveStatic(config: ConsoleConfig, pathname: string, res: ServerResponse): void {
  const relativePath = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  let file = join(config.staticDir, relativePath);
  if (!file.startsWith(config.staticDir + sep) && file !== config.staticDir) throw new HttpError(404, 'Not Found', 'no such file');
  const isAsset = relativePath.startsWith('assets/');
  if (!existsSync(file) || !statSync(file).isFile()) {
    if (isAsset || extname(relativePath)) throw new HttpError(404, 'Not Found', `${pathname} was not found`);
    // A route of the browser application: the application decides what to show.
    file = join(config.staticDir, 'index.html');
  }
  res.writeHead(200, {
    ...securityHeaders(config),
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    // Built assets carry their content hash in the name; index.html must always be fresh.
    'cache-control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
}

async function devSignIn(config: ConsoleConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!config.devSignInSecret) throw new HttpError(404, 'Not Found', 'dev sign-in is only offered with the development secret');
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse((await readBody(req)).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'Bad Request', 'the body is not JSON');
  }
  const parsed = DevSignInBody.safeParse(parsedJson);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
    throw new HttpError(400, 'Bad Request', `invalid ${[...new Set(details.map((d) => d.path))].join(', ')}`, details);
  }
  const claims = personaClaims(parsed.data.companyId, parsed.data.persona as keyof typeof PERSONAS);
  const token = await signDevToken(claims, config.devSignInSecret, { expiresIn: '12h' });
  sendJson(res, 200, { token });
}

async function handle(config: ConsoleConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://console.local');
  const { pathname } = url;
  if (pathname === '/health/live') return sendJson(res, 200, { status: 'ok' });
  if (pathname === '/health/ready') {
    const ready = existsSync(join(config.staticDir, 'index.html'));
    return sendJson(res, ready ? 200 : 503, { status: ready ? 'ok' : 'the browser application is not built' });
  }
  const api = /^\/api\/([a-z-]+)(\/.*)?$/.exec(pathname);
  if (api) {
    const service = api[1] as ServiceName;
    if (!SERVICE_NAMES.includes(service)) throw new HttpError(404, 'Not Found', `no service ${api[1]}; the console knows ${SERVICE_NAMES.join(', ')}`);
    return proxy(config, req, res, service, `${api[2] ?? '/'}${url.search}`);
  }
  if (pathname === '/console-config.json') {
    return sendJson(res, 200, {
      devSignIn: config.devSignInSecret ? { personas: PERSONA_IDS.map((id) => ({ id, label: PERSONAS[id].label, name: PERSONAS[id].name })) } : null,
      oidc: config.oidc,
    });
  }
  if (pathname === '/auth/dev-sign-in') {
    if (req.method !== 'POST') throw new HttpError(405, 'Method Not Allowed', 'use POST');
    return devSignIn(config, req, res);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Method Not Allowed', `${req.method} is not allowed here`);
  serveStatic(config, pathname, res);
}

export interface RunningConsole {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** The console's server: the browser application, the dev sign-in and `/api/<service>/…` forwarded to the services. */
export async function startConsoleServer(config: ConsoleConfig): Promise<RunningConsole> {
  const server = createServer((req, res) => {
    handle(config, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendJson(res, error.status, { statusCode: error.status, error: error.error, message: error.message, ...(error.details ? { details: error.details } : {}) });
      } else {
        console.error('web console: unexpected error', error);
        sendJson(res, 500, { statusCode: 500, error: 'Internal Server Error', message: 'unexpected error in the console server' });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

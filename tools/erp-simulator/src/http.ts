import type { IncomingMessage, ServerResponse } from 'node:http';
import { THROTTLED_RETRY_AFTER_S, type SimSystem, type SimulatorState } from './simulator-state';

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
  state: SimulatorState;
  /** True when the `reject` fault hit this request: answer with the ERP's own validation error. */
  rejectInjected: boolean;
}

export interface RouteReply {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** ERP routes are subject to that ERP's injected faults; control routes have no system. */
  system?: SimSystem;
  /** Writes are what `reject` and `lost_reply` faults affect. */
  write?: boolean;
  handle(ctx: RouteContext): RouteReply;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export const reply = (status: number, body?: unknown): RouteReply => ({ status, body });

export class Router {
  private readonly routes: CompiledRoute[] = [];
  /** Requests held open by `timeout` / `lost_reply`, ended when the server stops. */
  readonly held = new Set<ServerResponse>();

  /** `onChange` runs after every request that may have changed the state, before it is answered (the books are saved there). */
  /** `unauthorizedBody` is each ERP's own answer to credentials it does not accept. */
  constructor(
    private readonly state: SimulatorState,
    private readonly onChange: () => void = () => undefined,
    private readonly unauthorizedBody: (system: SimSystem) => unknown = () => ({ message: 'Unauthorized' }),
  ) {}

  add(...routes: Route[]): void {
    for (const route of routes) {
      const names: string[] = [];
      const source = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      this.routes.push({ ...route, regex: new RegExp(`^${source}/?$`), names });
    }
  }

  async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const route = this.routes.find((r) => r.method === req.method && r.regex.test(url.pathname));
    if (!route) {
      const known = this.routes.some((r) => r.regex.test(url.pathname));
      return send(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found', path: url.pathname });
    }
    const match = route.regex.exec(url.pathname)!;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1])));

    let body: unknown = undefined;
    const raw = await readBody(req);
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, { error: 'body is not valid JSON' });
      }
    }

    let fault: string = 'ok';
    let retryAfterSeconds = THROTTLED_RETRY_AFTER_S;
    if (route.system) {
      this.state.noteCredential(route.system, req.headers.authorization);
      if (!this.state.credentialAccepted(route.system, req.headers.authorization)) return send(res, 401, this.unauthorizedBody(route.system));
      retryAfterSeconds = this.state.fault(route.system).retryAfterSeconds ?? THROTTLED_RETRY_AFTER_S;
      fault = this.state.consumeFault(route.system, route.write === true);
    }
    switch (fault) {
      case 'down':
        req.socket.destroy();
        return;
      case 'error500':
        return send(res, 500, { error: 'internal server error' });
      case 'throttled':
        // Rate limited, as the ERPs' APIs answer it (QuickBooks Online: 429 and a Fault of type ThrottleExceeded), with the seconds to wait.
        return send(res, 429, { Fault: { Error: [{ Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429', Detail: 'The request limit was reached', code: '3001' }], type: 'ThrottleExceeded' } }, { 'retry-after': String(retryAfterSeconds) });
      case 'timeout':
        this.hold(res);
        return;
      default:
        break;
    }
    let result: RouteReply;
    try {
      result = route.handle({ params, query: url.searchParams, body, headers: req.headers, state: this.state, rejectInjected: fault === 'reject' });
    } catch (error) {
      return send(res, 500, { error: (error as Error).message });
    }
    if (req.method !== 'GET') this.onChange();
    if (fault === 'lost_reply') {
      this.hold(res);
      return;
    }
    send(res, result.status, result.body);
  }

  private hold(res: ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }

  releaseHeld(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

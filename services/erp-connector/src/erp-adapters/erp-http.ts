import { fail, ok, type ErpConnection, type ErpResult } from './erp-adapter';

/**
 * A JSON object whose last member is a list serialized a slice at a time while it is sent (chunked
 * transfer encoding): a 50,000-line budget then never exists as one 10 MB string, its copy as
 * bytes, and an array of ERP-shaped lines at once. The items are an array or a source read a slice
 * at a time (each call reads them anew). The body is the same JSON as
 * `JSON.stringify({ ...head, [key]: items.map(toJson) })`; each call sends it anew, so a retried
 * request sends it whole again.
 */
export class JsonListBody<T> {
  constructor(
    readonly head: Record<string, unknown>,
    readonly key: string,
    readonly items: readonly T[] | (() => AsyncIterable<readonly T[]>),
    readonly toJson: (item: T) => unknown,
    readonly itemsPerChunk = 1000,
  ) {}

  /** The JSON text, in pieces: the head's members, then the list a slice of items at a time. */
  async *chunks(): AsyncGenerator<string> {
    const head = JSON.stringify({ ...this.head, [this.key]: undefined });
    yield `${head.slice(0, -1)}${head === '{}' ? '' : ','}${JSON.stringify(this.key)}:[`;
    let first = true;
    for await (const slice of this.slices()) {
      if (slice.length === 0) continue;
      yield `${first ? '' : ','}${slice.map((item) => JSON.stringify(this.toJson(item))).join(',')}`;
      first = false;
    }
    yield ']}';
  }

  private async *slices(): AsyncGenerator<readonly T[]> {
    if (typeof this.items === 'function') {
      yield* this.items();
      return;
    }
    for (let from = 0; from < this.items.length; from += this.itemsPerChunk) yield this.items.slice(from, from + this.itemsPerChunk);
  }

  /** A byte stream of `chunks()`, read as the connection takes it; `progress` is called each time the connection takes more. */
  stream(progress: () => void = () => undefined): ReadableStream<Uint8Array> {
    const chunks = this.chunks();
    const encoder = new TextEncoder();
    return new ReadableStream({
      async pull(controller) {
        progress();
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
        progress();
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
  }
}

export interface ErpHttpResponse {
  status: number;
  body: unknown;
}

/**
 * One HTTP call to an ERP with a deadline. Network errors, timeouts, 429 and 5xx are transient;
 * everything the ERP answered is handed back for the adapter to read in that ERP's words.
 */
export async function erpFetch(
  connection: ErpConnection,
  displayName: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<ErpResult<ErpHttpResponse>> {
  // A streamed body may take longer to send than one call's deadline: its deadline runs from the
  // last time the ERP took more of it, so a large export the ERP reads steadily is not cut off.
  const deadline = new CallDeadline(connection.timeoutMs);
  const signals = connection.signal ? [deadline.signal, connection.signal] : [deadline.signal];
  try {
    return await callErp(connection, displayName, method, path, headers, body, signals.length === 1 ? deadline.signal : AbortSignal.any(signals), () => deadline.restart());
  } finally {
    deadline.clear();
  }
}

async function callErp(
  connection: ErpConnection,
  displayName: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  progress: () => void,
): Promise<ErpResult<ErpHttpResponse>> {
  let response: Response;
  try {
    response = await fetch(`${connection.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body instanceof JsonListBody ? { body: body.stream(progress), duplex: 'half' as const } : { body: body === undefined ? undefined : JSON.stringify(body) }),
      signal,
    });
  } catch (error) {
    if (connection.signal?.aborted) return fail('transient', 'erp_unavailable', `The call to ${displayName} was abandoned: ${String((connection.signal.reason as Error | undefined)?.message ?? 'aborted')}`);
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return fail('transient', 'timeout', `${displayName} did not answer within ${connection.timeoutMs} ms${body instanceof JsonListBody ? ' of taking the last part of the request' : ''}`);
    }
    return fail('transient', 'erp_unavailable', `${displayName} could not be reached`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // An answer cut off is no answer: read as empty, a posting check would take it for another export's record.
    if (connection.signal?.aborted) return fail('transient', 'erp_unavailable', `The call to ${displayName} was abandoned while its answer was read`);
    if ((error as Error).name === 'TimeoutError') return fail('transient', 'timeout', `${displayName} did not finish answering within ${connection.timeoutMs} ms`);
    return fail('transient', 'erp_unavailable', `${displayName}'s answer was cut off`);
  }
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    const failure = fail('transient', 'erp_unavailable', `${displayName} answered HTTP ${response.status}${response.status === 429 ? ' (too many requests)' : ''}`);
    const retryAfterMs = retryAfterMsOf(response.headers.get('retry-after'), Date.now());
    return retryAfterMs === null || failure.ok ? failure : { ok: false, error: { ...failure.error, retryAfterMs } };
  }
  if (response.status === 401 || response.status === 403) {
    const reason = erpReasonIn(parsed);
    return fail('permanent', 'connection_missing', `${displayName} refused the connection's credentials${reason ? ` (${reason})` : ''}; check the ERP connection settings`);
  }
  return ok({ status: response.status, body: parsed });
}

/** Aborts with a TimeoutError `timeoutMs` after it was created or last restarted. */
class CallDeadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.timer = this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restart(): void {
    if (this.controller.signal.aborted) return;
    clearTimeout(this.timer);
    this.timer = this.arm();
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  private arm(): NodeJS.Timeout {
    return setTimeout(() => this.controller.abort(new DOMException(`no progress within ${this.timeoutMs} ms`, 'TimeoutError')), this.timeoutMs);
  }
}

/** A `Retry-After` header (delay-seconds or an HTTP date) in milliseconds from `now`, capped at an hour; null when absent or unreadable. */
export function retryAfterMsOf(header: string | null, now: number): number | null {
  if (!header) return null;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), 3_600_000);
}

export const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export const basicAuth = (credentials: Record<string, string> | null): Record<string, string> =>
  credentials?.username ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}` } : {};
export const bearerAuth = (credentials: Record<string, string> | null): Record<string, string> =>
  credentials?.accessToken ? { authorization: `Bearer ${credentials.accessToken}` } : {};

/** The ERP's own words in an error body, in the shapes the ERPs answer with (messages, Errors, Fault, message). */
export function erpReasonIn(body: unknown): string | null {
  const b = record(body);
  const fault = record(b.Fault ?? b.fault);
  const words = [
    ...list(b.messages).map(String),
    ...list(b.Errors).map((e) => record(e).Message),
    ...list(fault.Error ?? fault.error).map((e) => record(e).Detail ?? record(e).detail ?? record(e).Message ?? record(e).message),
    b.exceptionMessage,
    b.message,
  ].filter((w): w is string => typeof w === 'string' && w.length > 0);
  return words.length > 0 ? [...new Set(words)].join('; ').slice(0, 500) : null;
}

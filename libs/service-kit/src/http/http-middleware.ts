import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationContext } from '@budget-erp/messaging';
import type { JsonLogger } from '../logging/json-logger';
import type { HttpMetrics } from '../metrics/metrics.service';

type Next = (error?: unknown) => void;

interface Request extends IncomingMessage {
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: string };
  body?: unknown;
}

export const CORRELATION_HEADER = 'x-correlation-id';
const validCorrelationId = /^[A-Za-z0-9._:-]{1,128}$/;

function routeOf(req: Request): string {
  if (req.route?.path) return `${req.baseUrl ?? ''}${req.route.path}`;
  return 'unmatched';
}

/** Runs the request in its correlation context, echoes the id, logs one line and observes its duration. */
export function correlationAndRequestLog(logger: JsonLogger, metrics: HttpMetrics) {
  return (req: Request, res: ServerResponse, next: Next): void => {
    const incoming = req.headers[CORRELATION_HEADER];
    const correlationId = typeof incoming === 'string' && validCorrelationId.test(incoming) ? incoming : randomUUID();
    res.setHeader(CORRELATION_HEADER, correlationId);
    const started = process.hrtime.bigint();
    const ids = { correlationId, causationId: correlationId };
    correlationContext.run(ids, () => {
      // 'finish' is emitted outside the request's async context, so the ids are restored explicitly.
      res.on('finish', () => correlationContext.run(ids, () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const route = routeOf(req);
        metrics.observe(req.method ?? 'GET', route, res.statusCode, seconds);
        if (route.startsWith('/health') || route === '/metrics') return;
        logger.info('HTTP', `${req.method} ${req.originalUrl ?? req.url} ${res.statusCode}`, {
          method: req.method,
          path: req.originalUrl ?? req.url,
          route,
          status: res.statusCode,
          durationMs: Math.round(seconds * 1e6) / 1e3,
        });
      }));
      next();
    });
  };
}

const jsonContentType = /^application\/([\w.+-]*\+)?json\b/i;

/** What a request may carry before it reaches validation; beyond it the request is refused with a 4xx naming the limit. */
export interface RequestLimits {
  /** Bytes of a request body (413 beyond). */
  maxBodyBytes: number;
  /** Characters of one string (or key) in a JSON body (413 beyond). */
  maxStringLength: number;
}

export const defaultRequestLimits: RequestLimits = { maxBodyBytes: 1_000_000, maxStringLength: 10_000 };

// A UTF-16 surrogate without its pair cannot be stored as UTF-8 (nor sent on as valid JSON).
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a text cannot be stored (PostgreSQL refuses NUL in text; a lone surrogate is no UTF-8), or null. */
export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (loneSurrogate.test(text)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}

interface Refusal {
  statusCode: number;
  code: string;
  message: string;
  details?: { path: string; message: string }[];
}

function reply(res: ServerResponse, refusal: Refusal): void {
  const error = { 400: 'Bad Request', 413: 'Payload Too Large', 415: 'Unsupported Media Type' }[refusal.statusCode] ?? 'Bad Request';
  res.statusCode = refusal.statusCode;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ statusCode: refusal.statusCode, error, message: refusal.message, code: refusal.code, ...(refusal.details ? { details: refusal.details } : {}) }));
}

/** The first problem of a URL's path and query: malformed percent-encoding, NUL, a lone surrogate. */
function urlRefusal(rawUrl: string): Refusal | null {
  const queryAt = rawUrl.indexOf('?');
  const parts: [string, string][] = [['path', queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt)]];
  if (queryAt >= 0) {
    for (const pair of rawUrl.slice(queryAt + 1).split('&')) {
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      parts.push([`query ${name}`, name], [`query ${name}`, value]);
    }
  }
  for (const [where, raw] of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      return { statusCode: 400, code: 'MALFORMED_URL', message: `The URL's ${where} is not valid percent-encoded UTF-8` };
    }
    const problem = unstorableText(decoded);
    if (problem) return { statusCode: 400, code: 'INVALID_CHARACTERS', message: `The URL's ${where} ${problem}` };
  }
  return null;
}

/**
 * Every key of every object in valid JSON text, to find one that appears twice in the same object
 * (JSON.parse keeps the last silently: the sender meant one of the two, we cannot know which).
 */
function duplicateKey(text: string): { path: string; key: string } | null {
  type Frame = { kind: 'object'; keys: Set<string>; path: string[]; key?: string } | { kind: 'array'; path: string[]; index: number };
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return { path: top.path.join('.'), key };
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (char === '{' || char === '[') {
      const parent = stack[stack.length - 1];
      const path = parent ? [...parent.path, parent.kind === 'object' ? parent.key ?? '' : String(parent.index)] : [];
      stack.push(char === '{' ? { kind: 'object', keys: new Set(), path } : { kind: 'array', path, index: 0 });
      expectKey = char === '{';
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') expectKey = true;
      else if (top?.kind === 'array') top.index += 1;
    }
  }
  return null;
}

/** The first string or key of a parsed body that cannot be stored, or that is longer than the limit. */
function valueRefusal(value: unknown, limits: RequestLimits, path: string[] = []): Refusal | null {
  const at = () => path.join('.') || '(body)';
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    if (problem) return { statusCode: 400, code: 'INVALID_CHARACTERS', message: `Invalid request body: ${at()} ${problem}`, details: [{ path: at(), message: problem }] };
    if (value.length > limits.maxStringLength) {
      const message = `is ${value.length} characters long; the limit is ${limits.maxStringLength}`;
      return { statusCode: 413, code: 'STRING_TOO_LONG', message: `Request body field ${at()} ${message}`, details: [{ path: at(), message }] };
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const refusal = valueRefusal(value[index], limits, [...path, String(index)]);
      if (refusal) return refusal;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = valueRefusal(key, limits, [...path, '(key)']);
      if (keyProblem) return { ...keyProblem, message: keyProblem.message.replace('(key)', `key of ${path.join('.') || 'the body'}`) };
      const refusal = valueRefusal(item, limits, [...path, key]);
      if (refusal) return refusal;
    }
  }
  return null;
}

const hasBody = (req: Request): boolean => {
  const length = Number(req.headers['content-length'] ?? 0);
  return length > 0 || req.headers['transfer-encoding'] !== undefined;
};

/**
 * JSON body parser and the first line of defence against hostile input. It answers with the
 * platform's error body itself (errors raised in Express middleware would never reach Nest's
 * exception filters): a URL with malformed encoding, NUL or a lone surrogate (400); a body that is
 * not JSON (415), too large (413), malformed (400), with a key twice in one object (400), with a
 * string that PostgreSQL cannot store (400) or longer than the limit (413). Each names the problem.
 */
export function jsonBodyParser(limits: Partial<RequestLimits> = {}) {
  const { maxBodyBytes, maxStringLength } = { ...defaultRequestLimits, ...limits };
  return (req: Request, res: ServerResponse, next: Next): void => {
    const refusedUrl = urlRefusal(req.originalUrl ?? req.url ?? '/');
    if (refusedUrl) {
      // The body is not read: drain it so the connection can be reused.
      req.resume();
      return reply(res, refusedUrl);
    }
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || req.body !== undefined || !hasBody(req)) {
      next();
      return;
    }
    if (!jsonContentType.test(req.headers['content-type'] ?? '')) {
      req.resume();
      return reply(res, {
        statusCode: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: `Request bodies must be JSON (Content-Type: application/json), not ${req.headers['content-type'] ?? 'a body without a Content-Type'}`,
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', next);
    req.on('end', () => {
      if (tooLarge) return reply(res, { statusCode: 413, code: 'BODY_TOO_LARGE', message: `Request body exceeds ${maxBodyBytes} bytes` });
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        req.body = undefined;
        return next();
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        return reply(res, { statusCode: 400, code: 'MALFORMED_JSON', message: `Malformed JSON body: ${(error as Error).message}` });
      }
      const duplicate = duplicateKey(text);
      if (duplicate) {
        const where = duplicate.path ? ` in ${duplicate.path}` : '';
        return reply(res, {
          statusCode: 400,
          code: 'DUPLICATE_KEY',
          message: `Invalid request body: key "${duplicate.key}" appears twice${where}`,
          details: [{ path: [duplicate.path, duplicate.key].filter(Boolean).join('.'), message: 'appears twice' }],
        });
      }
      const refusal = valueRefusal(body, { maxBodyBytes, maxStringLength });
      if (refusal) return reply(res, refusal);
      req.body = body;
      next();
    });
  };
}

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

/**
 * JSON body parser that answers malformed JSON with the platform's 400 body itself: body-parser errors
 * raised in Express middleware would otherwise never reach Nest's exception filters.
 */
export function jsonBodyParser(limitBytes = 1_000_000) {
  const reply = (res: ServerResponse, statusCode: number, error: string, message: string) => {
    res.statusCode = statusCode;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ statusCode, error, message }));
  };
  return (req: Request, res: ServerResponse, next: Next): void => {
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD' || req.body !== undefined || !jsonContentType.test(req.headers['content-type'] ?? '')) {
      next();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', next);
    req.on('end', () => {
      if (tooLarge) return reply(res, 413, 'Payload Too Large', `Request body exceeds ${limitBytes} bytes`);
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        req.body = undefined;
        return next();
      }
      try {
        req.body = JSON.parse(text);
      } catch (error) {
        return reply(res, 400, 'Bad Request', `Malformed JSON body: ${(error as Error).message}`);
      }
      next();
    });
  };
}

import { LoggerService } from '@nestjs/common';
import { correlationContext } from '@budget-erp/messaging';
import type { LogLevel } from '../config/load-config';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

type Fields = Record<string, unknown>;

/** One JSON line per log: time, level, service, context, message, correlationId (of the work in hand). */
export class JsonLogger implements LoggerService {
  constructor(
    readonly service: string,
    private level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }

  /** Structured line with extra fields, e.g. the request log. */
  info(context: string, message: string, fields: Fields = {}): void {
    this.emit('info', { message, ...fields }, [context]);
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (rank[level] < rank[this.level]) return;
    // Nest passes (message, context) or, for errors, (message, stack, context).
    const params = [...rest];
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    let stack = level === 'error' && typeof params[0] === 'string' ? (params.shift() as string) : undefined;

    const line: Fields = { time: new Date().toISOString(), level, service: this.service };
    if (context) line.context = context;
    if (message instanceof Error) {
      line.message = message.message;
      stack = stack ?? message.stack;
    } else if (message !== null && typeof message === 'object') {
      for (const [key, value] of Object.entries(message)) if (!(key in line)) line[key] = value;
    } else {
      line.message = String(message);
    }
    const correlation = correlationContext.current();
    if (correlation) {
      line.correlationId = correlation.correlationId;
      if (correlation.causationId) line.causationId = correlation.causationId;
    }
    if (stack) line.stack = stack;
    for (const extra of params) {
      if (extra === null || typeof extra !== 'object' || extra instanceof Error) continue;
      for (const [key, value] of Object.entries(extra)) if (!(key in line)) line[key] = value;
    }
    this.write(safeStringify(line));
  }
}

// A logged config or client options object (KAFKA_SASL_PASSWORD, sasl.password, JWT_SECRET) never shows its secrets.
const secretKey = /passw(or)?d|secret/i;

function safeStringify(value: Fields): string {
  try {
    return JSON.stringify(value, (key, v: unknown) => (typeof v === 'bigint' ? v.toString() : secretKey.test(key) && v !== undefined && v !== null ? '[redacted]' : v));
  } catch {
    return JSON.stringify({ time: value.time, level: value.level, service: value.service, message: String(value.message) });
  }
}

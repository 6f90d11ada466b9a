import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { createInboxTransport, InboxTransportOptions, OutboxRelay } from '@budget-erp/messaging';
import { correlationAndRequestLog, jsonBodyParser, RequestLimits } from './http/http-middleware';
import { kafkaSecurityOf, logLevels, LogLevel } from './config/load-config';
import { HealthService } from './health/health.service';
import { inboxCheck } from './health/messaging-checks';
import { JsonLogger } from './logging/json-logger';
import { MetricsService } from './metrics/metrics.service';
import type { BaseServiceConfig } from './config/load-config';
import { SERVICE_CONFIG } from './platform.module';

/** One Kafka consumer group of the service; brokers, TLS/SASL, client id and data source come from the platform. */
export type InboxEntry = Omit<InboxTransportOptions, 'brokers' | 'security' | 'clientId' | 'dataSource'> & { clientId?: string };

export interface StartServiceOptions {
  name: string;
  port: number;
  /** Interface to listen on; default 0.0.0.0. */
  host?: string;
  /** One inbox transport (Kafka consumer) per entry. */
  inbox?: InboxEntry[];
  logLevel?: LogLevel;
  /** OpenAPI description shown at /docs. */
  description?: string;
}

export interface RunningService {
  app: INestApplication;
  /** Base URL reachable from this machine, e.g. http://127.0.0.1:3001 (actual port when started on 0). */
  url: string;
  /**
   * Settles once every inbox consumer has joined its group (or gone on retrying in the background).
   * The service listens before: HTTP never waits for a consumer group.
   */
  inboxStarted: Promise<void>;
  close(): Promise<void>;
}

function envLogLevel(): LogLevel {
  const value = process.env.LOG_LEVEL;
  return (logLevels as readonly string[]).includes(value ?? '') ? (value as LogLevel) : 'info';
}

export function mountDocs(app: INestApplication, name: string, description?: string): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`${name} service`)
      .setDescription(description ?? `HTTP API of the ${name} service. Errors: { statusCode, error, message, code?, details? }.`)
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
}

/**
 * Requests Node's HTTP parser refuses before any route sees them (a URL or headers over the 16 KiB
 * limit: 431; a malformed request line or header: 400) get the platform's error body too.
 */
function answerClientErrorsWithErrorBody(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: import('node:stream').Duplex) => {
    if (!socket.writable) return socket.destroy();
    const [statusCode, reason, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The URL and headers exceed 16 KiB']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'The request was not received in time']
          : [400, 'Bad Request', `Malformed HTTP request: ${error.code ?? error.message}`];
    const body = JSON.stringify({ statusCode, error: reason, message, code: 'MALFORMED_REQUEST' });
    socket.end(`HTTP/1.1 ${statusCode} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
}

/** The request limits of the service's config (the defaults for an app without the platform module). */
function requestLimitsOf(app: INestApplication): Partial<RequestLimits> {
  try {
    const config = app.get<BaseServiceConfig>(SERVICE_CONFIG, { strict: false });
    return { maxBodyBytes: config.HTTP_MAX_BODY_BYTES, maxStringLength: config.HTTP_MAX_STRING_LENGTH };
  } catch {
    return {};
  }
}

/**
 * Creates the Nest app with the platform's logger, middleware, docs and inbox consumers, and listens.
 * It listens first and then starts the consumers: joining a group can take a session timeout (a
 * killed predecessor is still a member until then), and HTTP — liveness, readiness, the API — must
 * not wait for it. Readiness reports each consumer (`inbox:<group>`), ready while it joins.
 */
export async function startService(appModule: Type<unknown> | import('@nestjs/common').DynamicModule, options: StartServiceOptions): Promise<RunningService> {
  const logger = new JsonLogger(options.name, options.logLevel ?? envLogLevel());
  const app = await NestFactory.create(appModule, { logger, bodyParser: false, abortOnError: false });
  app.enableShutdownHooks();
  app.use(correlationAndRequestLog(logger, app.get(MetricsService)));
  app.use(jsonBodyParser(requestLimitsOf(app)));
  mountDocs(app, options.name, options.description);

  if (options.inbox?.length) {
    const config = app.get<BaseServiceConfig>(SERVICE_CONFIG);
    const health = app.get(HealthService);
    const dataSource = app.get(DataSource);
    // Events a handler stored in the outbox are published at once rather than at the relay's next poll.
    const relay = app.get(OutboxRelay, { strict: false });
    for (const entry of options.inbox) {
      const strategy = createInboxTransport({
        ...entry,
        sessionTimeoutMs: entry.sessionTimeoutMs ?? config.KAFKA_SESSION_TIMEOUT_MS,
        brokers: config.KAFKA_BROKERS,
        security: kafkaSecurityOf(config),
        clientId: entry.clientId ?? `${options.name}-${entry.label ?? entry.groupId}`,
        dataSource,
        onApplied: (commit) => {
          entry.onApplied?.(commit);
          if (commit.storedEvents) relay.nudge();
        },
      });
      app.connectMicroservice({ strategy }, { inheritAppConfig: true });
      health.register(`inbox:${entry.groupId}`, inboxCheck(strategy));
    }
  }
  answerClientErrorsWithErrorBody(app.getHttpServer() as Server);
  await app.listen(options.port, options.host ?? '0.0.0.0');
  // A consumer that cannot start retries in the background (KafkaInboxServer.listen): this only rejects on a bug.
  const inboxStarted = app.startAllMicroservices().then(
    () => undefined,
    (error: unknown) => logger.error(`inbox consumers failed to start: ${error instanceof Error ? error.message : String(error)}`, undefined, 'Bootstrap'),
  );

  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}`;
  logger.log(`${options.name} listening on ${url} (docs at ${url}/docs)`, 'Bootstrap');
  let closed = false;
  return {
    app,
    url,
    inboxStarted,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { correlationAndRequestLog, jsonBodyParser } from './http/http-middleware';
import { logLevels, LogLevel } from './config/load-config';
import { JsonLogger } from './logging/json-logger';
import { MetricsService } from './metrics/metrics.service';

export interface InboxEntry {
  /** Consumer group, e.g. `budget` or `erp-connector.cmic`. */
  groupId: string;
  /** Topics to consume; default: every @EventPattern the app declares. */
  topics?: string[];
  /** Name in logs and metrics. */
  label?: string;
}

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
  close(): Promise<void>;
}

/** Factory of the inbox transport; the messaging library provides it. */
export type InboxTransportFactory = (app: INestApplication, entry: InboxEntry) => CustomStrategy['strategy'];

let inboxTransportFactory: InboxTransportFactory | undefined;

/** Called by the messaging library (or a test) to supply the inbox transport used for `inbox` entries. */
export function useInboxTransport(factory: InboxTransportFactory): void {
  inboxTransportFactory = factory;
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

/** Creates the Nest app with the platform's logger, middleware, docs and inbox consumers, and listens. */
export async function startService(appModule: Type<unknown> | import('@nestjs/common').DynamicModule, options: StartServiceOptions): Promise<RunningService> {
  const logger = new JsonLogger(options.name, options.logLevel ?? envLogLevel());
  const app = await NestFactory.create(appModule, { logger, bodyParser: false, abortOnError: false });
  app.enableShutdownHooks();
  app.use(correlationAndRequestLog(logger, app.get(MetricsService)));
  app.use(jsonBodyParser());
  mountDocs(app, options.name, options.description);

  for (const entry of options.inbox ?? []) {
    if (!inboxTransportFactory) throw new Error('An inbox was requested but no inbox transport is registered (import @budget-erp/messaging)');
    app.connectMicroservice({ strategy: inboxTransportFactory(app, entry) }, { inheritAppConfig: true });
  }
  await app.startAllMicroservices();
  await app.listen(options.port, options.host ?? '0.0.0.0');

  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}`;
  logger.log(`${options.name} listening on ${url} (docs at ${url}/docs)`, 'Bootstrap');
  let closed = false;
  return {
    app,
    url,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

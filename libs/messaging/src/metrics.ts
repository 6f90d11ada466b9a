import { Counter, Gauge, register } from 'prom-client';

const counter = (name: string, help: string, labelNames: string[]): Counter<string> =>
  (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });

const gauge = (name: string, help: string): Gauge<string> =>
  (register.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help });

/** Prometheus metrics of the messaging backbone (default registry, served at /metrics). */
export const messagingMetrics = {
  published: counter('messaging_outbox_published_total', 'Events published by the outbox relay', ['topic']),
  abandoned: counter('messaging_outbox_abandoned_total', 'Events set aside by the outbox relay because they can never be published', ['topic']),
  publishFailures: counter('messaging_outbox_publish_failures_total', 'Failed outbox relay batches', []),
  consumed: counter('messaging_inbox_consumed_total', 'Events handled by the inbox', ['topic', 'group', 'outcome']),
  deadLettered: counter('messaging_dead_lettered_total', 'Events sent to a dead-letter topic', ['topic', 'group']),
  relayLagMs: gauge('messaging_outbox_last_batch_lag_ms', 'Age of the oldest event of the last published batch'),
};

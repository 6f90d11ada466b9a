import { Client } from 'pg';
import { Counter, register } from 'prom-client';

const counter = (name: string, help: string): Counter =>
  (register.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help });

/**
 * SQL round trips of this process (default registry, served at /metrics): every call of a pg
 * client's `query` is one round trip to PostgreSQL, whichever library (TypeORM, the outbox relay,
 * plain pg) made it; the transactions are the round trips that begin one.
 */
export const queryMetrics = {
  statements: counter('db_statements_total', 'SQL statements sent to PostgreSQL (one round trip each)'),
  transactions: counter('db_transactions_total', 'SQL transactions begun (BEGIN / START TRANSACTION)'),
};

const BEGINS = /^\s*(BEGIN|START TRANSACTION)\b/i;
let installed = false;

/** Counts every query of every pg client of this process into `queryMetrics`; idempotent. */
export function countQueries(): void {
  if (installed) return;
  installed = true;
  const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = prototype.query;
  prototype.query = function countedQuery(this: Client, ...args: unknown[]): unknown {
    queryMetrics.statements.inc();
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
    if (typeof text === 'string' && BEGINS.test(text)) queryMetrics.transactions.inc();
    return query.apply(this, args);
  };
}

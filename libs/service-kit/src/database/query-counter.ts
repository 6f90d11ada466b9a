import { Client } from 'pg';
import { Counter, register } from 'prom-client';

const counter = <L extends string = string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
  (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });

/**
 * SQL round trips of this process (default registry, served at /metrics): every call of a pg
 * client's `query` is one round trip to PostgreSQL, whichever library (TypeORM, the outbox relay,
 * plain pg) made it; the transactions are the round trips that begin one.
 */
export const queryMetrics = {
  statements: counter('db_statements_total', 'SQL statements sent to PostgreSQL (one round trip each)'),
  transactions: counter('db_transactions_total', 'SQL transactions begun (BEGIN / START TRANSACTION)'),
};

/**
 * With DB_COUNT_STATEMENT_TEXTS=1 (the benchmark's `--sql`), statements are also counted by their
 * text (whitespace collapsed, literals and parameter lists folded, the first 120 characters), to see
 * which round trips a unit of work makes. Off by default: the label's values are unbounded.
 */
const statementTexts = process.env.DB_COUNT_STATEMENT_TEXTS === '1' ? counter('db_statement_texts_total', 'SQL statements by their text (DB_COUNT_STATEMENT_TEXTS=1)', ['text']) : undefined;

/** The shape of a statement: whitespace collapsed, numbers and parameter lists folded. */
export function statementShape(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/\b\d+\b/g, 'N')
    .replace(/(\$N(?:\s*,\s*\$N)+)/g, '$N…')
    .replace(/(\(\$N…?\)(?:\s*,\s*\(\$N…?\))+)/g, '($N…)…')
    .trim()
    .slice(0, 120);
}

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
    if (statementTexts && typeof text === 'string') statementTexts.inc({ text: statementShape(text) });
    return query.apply(this, args);
  };
}

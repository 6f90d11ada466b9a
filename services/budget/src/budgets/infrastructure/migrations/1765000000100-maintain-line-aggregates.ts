import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A budget's line count and the total of its lines are kept on its row by the database, whatever
 * writes the lines (a line edit, a save of changed lines, an import): statement triggers add what
 * each INSERT, UPDATE or DELETE of `budget_lines` changed. An edit then needs neither the other
 * lines nor a scan of them to answer the budget's total.
 */
export class MaintainLineAggregates1765000000100 implements MigrationInterface {
  name = 'MaintainLineAggregates1765000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE budgets ADD COLUMN line_count integer NOT NULL DEFAULT 0, ADD COLUMN lines_total_cents bigint NOT NULL DEFAULT 0`);
    await q.query(`
      UPDATE budgets b SET line_count = s.n, lines_total_cents = s.cents
        FROM (SELECT budget_id, count(*)::int AS n, sum(amount_cents)::bigint AS cents FROM budget_lines GROUP BY budget_id) s
       WHERE s.budget_id = b.id`);
    await q.query(`CREATE FUNCTION budget_lines_aggregates() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          UPDATE budgets b SET line_count = b.line_count + s.n, lines_total_cents = b.lines_total_cents + s.cents
            FROM (SELECT budget_id, count(*)::int AS n, sum(amount_cents)::bigint AS cents FROM new_lines GROUP BY budget_id) s
           WHERE b.id = s.budget_id;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          UPDATE budgets b SET line_count = b.line_count - s.n, lines_total_cents = b.lines_total_cents - s.cents
            FROM (SELECT budget_id, count(*)::int AS n, sum(amount_cents)::bigint AS cents FROM old_lines GROUP BY budget_id) s
           WHERE b.id = s.budget_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER budget_lines_inserted AFTER INSERT ON budget_lines REFERENCING NEW TABLE AS new_lines
                   FOR EACH STATEMENT EXECUTE FUNCTION budget_lines_aggregates()`);
    await q.query(`CREATE TRIGGER budget_lines_updated AFTER UPDATE ON budget_lines REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines
                   FOR EACH STATEMENT EXECUTE FUNCTION budget_lines_aggregates()`);
    await q.query(`CREATE TRIGGER budget_lines_deleted AFTER DELETE ON budget_lines REFERENCING OLD TABLE AS old_lines
                   FOR EACH STATEMENT EXECUTE FUNCTION budget_lines_aggregates()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const trigger of ['budget_lines_inserted', 'budget_lines_updated', 'budget_lines_deleted']) await q.query(`DROP TRIGGER ${trigger} ON budget_lines`);
    await q.query(`DROP FUNCTION budget_lines_aggregates()`);
    await q.query(`ALTER TABLE budgets DROP COLUMN line_count, DROP COLUMN lines_total_cents`);
  }
}

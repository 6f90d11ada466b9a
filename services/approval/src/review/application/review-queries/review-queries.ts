import type { ListFilter } from '../../domain/budget-review';
import { type ReviewLine, type ReviewView, linesTheViewReads, removedLine, reviewLine, reviewView, reviewedSends } from '../../domain/review-view';
import { type ListPage, decodeCursor, listBudgets } from '../../infrastructure/budget-list.query';
import { findProject } from '../../infrastructure/project-link.repository';
import { loadReview } from '../../infrastructure/review.repository';
import { type LinePosition, loadLines, pageSendLines } from '../../infrastructure/send-lines.repository';
import { ReviewUseCaseError, type TransactionRunner, budgetNotFound } from '../ports';
import { BudgetDrifts } from '../../../drift/infrastructure/budget-drift.repository';
import { driftView, type DriftView } from '../../../drift/application/budget-drift.handlers';

export interface LinesPage {
  exportId: string | null;
  lineCount: number;
  items: ReviewLine[];
  nextCursor: string | null;
}

const badCursor = () => new ReviewUseCaseError('bad_request', 'APPROVAL.BAD_CURSOR', 'cursor is not one this list handed out');

/** A lines cursor names the send it pages, so that a page of a send never continues into another's. */
const encodeLinesCursor = (exportId: string, p: LinePosition) =>
  Buffer.from(JSON.stringify([exportId, p.part, p.chunk, p.index])).toString('base64url');

function decodeLinesCursor(raw: string): { exportId: string; position: LinePosition } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 4 &&
      typeof value[0] === 'string' &&
      (value[1] === 'sent' || value[1] === 'removed') &&
      Number.isInteger(value[2]) &&
      Number.isInteger(value[3]) &&
      value[2] >= 0 &&
      value[3] >= 0
    ) {
      return { exportId: value[0], position: { part: value[1], chunk: value[2], index: value[3] } };
    }
  } catch {
    // fall through: not a cursor
  }
  return null;
}

export class ReviewQueries {
  constructor(private readonly tx: TransactionRunner) {}

  async list(query: { companyId: string; filter: ListFilter; limit: number; cursor: string | undefined }): Promise<ListPage> {
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw badCursor();
    return this.tx.run((manager) => listBudgets(manager, { ...query, cursor }));
  }

  /** The review, with its version (the ETag a decision's `If-Match` names). */
  review(companyId: string, budgetId: string): Promise<ReviewView & { jobName: string | null; drift: DriftView | null; version: number }> {
    return this.tx.run(async (manager) => {
      const loaded = await loadReview(manager, budgetId);
      if (!loaded || loaded.state.companyId !== companyId) throw budgetNotFound(budgetId);
      const view = reviewView(loaded.state, await loadLines(manager, budgetId, linesTheViewReads(loaded.state)));
      const project = await findProject(manager, companyId, loaded.state.projectId);
      const drift = await BudgetDrifts.open(manager, companyId, budgetId);
      return {
        ...view,
        drift: drift ? driftView(drift) : null,
        erpSystem: view.erpSystem ?? project?.erpSystem ?? null,
        jobNumber: view.jobNumber ?? project?.jobNumber ?? null,
        jobName: project?.jobName ?? null,
        version: loaded.version,
      };
    });
  }

  /**
   * A page of the latest send's lines, each with its original, changes and revised amounts and its
   * difference from what was last synced; then the lines the ERP holds that the send removes.
   */
  async lines(query: { companyId: string; budgetId: string; limit: number; cursor: string | undefined }): Promise<LinesPage> {
    const cursor = query.cursor === undefined ? null : decodeLinesCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw badCursor();
    return this.tx.run(async (manager) => {
      const loaded = await loadReview(manager, query.budgetId);
      if (!loaded || loaded.state.companyId !== query.companyId) throw budgetNotFound(query.budgetId);
      const sends = reviewedSends(loaded.state);
      if (!sends) return { exportId: null, lineCount: 0, items: [], nextCursor: null };
      const { current, lastSynced } = sends;
      if (cursor && cursor.exportId !== current.exportId) {
        throw new ReviewUseCaseError('bad_request', 'APPROVAL.BAD_CURSOR', 'the budget was sent again since this cursor was handed out; start from the first page');
      }
      if (!current.linesReceived) {
        throw new ReviewUseCaseError('conflict', 'APPROVAL.LINES_NOT_READY', "the budget's lines are still arriving; they can be reviewed once all of them are here");
      }
      const page = await pageSendLines(manager, {
        budgetId: query.budgetId,
        exportId: current.exportId,
        lastSyncedExportId: lastSynced?.exportId ?? null,
        after: cursor?.position ?? null,
        limit: query.limit + 1,
      });
      const shown = page.slice(0, query.limit);
      const last = shown[shown.length - 1];
      return {
        exportId: current.exportId,
        lineCount: current.sent.summary.lineCount,
        items: shown.map(({ position, line }) => (position.part === 'sent' ? reviewLine(line, current.sent.summary.kind) : removedLine(line))),
        nextCursor: page.length > query.limit && last ? encodeLinesCursor(current.exportId, last.position) : null,
      };
    });
  }
}

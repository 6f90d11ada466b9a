import type { ListFilter } from '../../domain/budget-review';
import { type ReviewView, linesTheViewReads, reviewView } from '../../domain/review-view';
import { type ListPage, decodeCursor, listBudgets } from '../../infrastructure/budget-list.query';
import { findProject } from '../../infrastructure/project-link.repository';
import { loadReview, withLines } from '../../infrastructure/review.repository';
import { ReviewUseCaseError, type TransactionRunner, budgetNotFound } from '../ports';

export class ReviewQueries {
  constructor(private readonly tx: TransactionRunner) {}

  async list(query: { companyId: string; filter: ListFilter; limit: number; cursor: string | undefined }): Promise<ListPage> {
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) {
      throw new ReviewUseCaseError('bad_request', 'APPROVAL.BAD_CURSOR', 'cursor is not one this list handed out');
    }
    return this.tx.run((manager) => listBudgets(manager, { ...query, cursor }));
  }

  review(companyId: string, budgetId: string): Promise<ReviewView & { jobName: string | null }> {
    return this.tx.run(async (manager) => {
      const loaded = await loadReview(manager, budgetId);
      if (!loaded || loaded.state.companyId !== companyId) throw budgetNotFound(budgetId);
      await withLines(manager, loaded.state, linesTheViewReads(loaded.state));
      const view = reviewView(loaded.state);
      const project = await findProject(manager, companyId, loaded.state.projectId);
      return {
        ...view,
        erpSystem: view.erpSystem ?? project?.erpSystem ?? null,
        jobNumber: view.jobNumber ?? project?.jobNumber ?? null,
        jobName: project?.jobName ?? null,
      };
    });
  }
}

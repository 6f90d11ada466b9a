import type { EntityManager } from 'typeorm';
import { type PayloadOf, Topics } from '@budget-erp/contracts';
import { type ReviewFact, emptyReview, evolve } from '../../domain/budget-review';
import { recordCompanySettings, recordProject } from '../../infrastructure/project-link.repository';
import { loadReview, saveReview, withLines } from '../../infrastructure/review.repository';

export type UpstreamTopic =
  | typeof Topics.BudgetSent
  | typeof Topics.BudgetRetrieved
  | typeof Topics.BudgetExportTimedOut
  | typeof Topics.ExportSucceeded
  | typeof Topics.ExportFailed
  | typeof Topics.ErpPosted
  | typeof Topics.ErpProjectLinked
  | typeof Topics.ErpConnectionUpdated
  | typeof Topics.BudgetImportRequested
  | typeof Topics.ErpBudgetImported
  | typeof Topics.ErpBudgetImportFailed;

export type UpstreamEvent = { [T in UpstreamTopic]: { topic: T; payload: PayloadOf<T> } }[UpstreamTopic];

/** The fact an upstream event tells about one budget, if it concerns a budget. */
export function factOf(event: UpstreamEvent): { budgetId: string; projectId: string; companyId: string; fact: ReviewFact } | null {
  switch (event.topic) {
    case Topics.BudgetSent: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'sent', exportId: p.exportId, at: p.sentAt, sentBy: p.sentBy, createdBy: p.createdBy, snapshot: p.snapshot } };
    }
    case Topics.BudgetRetrieved: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'retrieved', exportId: p.exportId, at: p.retrievedAt, by: p.retrievedBy } };
    }
    case Topics.BudgetExportTimedOut: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'export_failed', exportId: p.exportId, at: p.timedOutAt, reasonCode: p.reasonCode, message: p.message } };
    }
    case Topics.ExportSucceeded: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'export_succeeded', exportId: p.exportId, at: p.exportedAt, erpReference: p.erpReference, total: p.total } };
    }
    case Topics.ExportFailed: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'export_failed', exportId: p.exportId, at: p.failedAt, reasonCode: p.reasonCode, message: p.message } };
    }
    case Topics.ErpPosted: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'posted', exportId: p.exportId, at: p.postedAt, total: p.total } };
    }
    case Topics.BudgetImportRequested: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'import_requested', importId: p.importId, at: p.requestedAt, by: p.requestedBy } };
    }
    case Topics.ErpBudgetImported: {
      const p = event.payload;
      if (!p.budgetId || p.mode !== 'reimport') return null;
      return {
        budgetId: p.budgetId,
        projectId: p.projectId,
        companyId: p.companyId,
        fact: { type: 'imported', importId: p.importId, at: p.importedAt, lines: p.lines, total: p.total },
      };
    }
    case Topics.ErpBudgetImportFailed: {
      const p = event.payload;
      if (!p.budgetId) return null;
      return {
        budgetId: p.budgetId,
        projectId: p.projectId,
        companyId: p.companyId,
        fact: { type: 'import_failed', importId: p.importId, at: p.failedAt, reasonCode: p.reasonCode, message: p.message },
      };
    }
    case Topics.ErpProjectLinked:
    case Topics.ErpConnectionUpdated:
      return null;
    default:
      return assertNever(event);
  }
}

const ids = (p: { budgetId: string; projectId: string; companyId: string }) => ({
  budgetId: p.budgetId,
  projectId: p.projectId,
  companyId: p.companyId,
});

function assertNever(value: never): never {
  throw new Error(`Unexpected upstream event ${JSON.stringify(value)}`);
}

/**
 * Folds one upstream event into the read model. Every write is idempotent, so a redelivered event
 * changes nothing; a concurrent writer makes the save fail and the inbox retry it.
 */
export async function recordUpstreamEvent(manager: EntityManager, event: UpstreamEvent): Promise<void> {
  await recordProjectFacts(manager, event);
  const about = factOf(event);
  if (!about) return;
  const loaded = await loadReview(manager, about.budgetId);
  if (loaded && loaded.state.companyId !== about.companyId) {
    throw new Error(`event for budget ${about.budgetId} names company ${about.companyId}, the budget belongs to another`);
  }
  const before = loaded?.state ?? emptyReview(about.budgetId, about.companyId, about.projectId);
  // Two reports of one import at the same time are told apart by their whole content, lines
  // included, so that the same one wins in any order: the known report's lines are needed then.
  if (about.fact.type === 'imported') await withLines(manager, before, { sends: [], imports: [about.fact.importId] });
  const after = evolve(before, about.fact);
  if (loaded && JSON.stringify(after) === JSON.stringify(before)) return;
  await saveReview(manager, after, loaded?.version ?? null);
}

async function recordProjectFacts(manager: EntityManager, event: UpstreamEvent): Promise<void> {
  switch (event.topic) {
    case Topics.ErpProjectLinked: {
      const p = event.payload;
      return recordProject(manager, {
        companyId: p.companyId,
        projectId: p.projectId,
        link: { erpSystem: p.erpSystem, jobNumber: p.jobNumber, jobName: p.jobName, linkedAt: p.linkedAt },
      });
    }
    case Topics.ErpConnectionUpdated: {
      const p = event.payload;
      return recordCompanySettings(manager, { companyId: p.companyId, erpSystem: p.erpSystem, timeZone: p.timeZone, updatedAt: p.updatedAt });
    }
    case Topics.BudgetSent: {
      const p = event.payload;
      return recordProject(manager, {
        companyId: p.companyId,
        projectId: p.projectId,
        budgetId: p.budgetId,
        imported: p.snapshot.origin === 'erp',
      });
    }
    case Topics.ExportSucceeded:
    case Topics.ErpPosted: {
      const p = event.payload;
      return recordProject(manager, { companyId: p.companyId, projectId: p.projectId, budgetId: p.budgetId, exported: true });
    }
    case Topics.ErpBudgetImported: {
      const p = event.payload;
      return recordProject(manager, {
        companyId: p.companyId,
        projectId: p.projectId,
        ...(p.budgetId ? { budgetId: p.budgetId } : {}),
        imported: true,
      });
    }
    case Topics.BudgetRetrieved:
    case Topics.BudgetExportTimedOut:
    case Topics.ExportFailed:
    case Topics.BudgetImportRequested:
    case Topics.ErpBudgetImportFailed:
      return;
    default:
      return assertNever(event);
  }
}

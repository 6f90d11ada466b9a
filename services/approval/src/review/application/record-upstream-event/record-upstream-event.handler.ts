import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type PayloadOf, Topics } from '@budget-erp/contracts';
import { type BudgetReview, type ErpLine, type ReviewFact, canonicalJson, emptyReview, evolve } from '../../domain/budget-review';
import { recordCompanySettings, recordProject } from '../../infrastructure/project-link.repository';
import { loadReview, saveReview } from '../../infrastructure/review.repository';
import { checkStoredLines, lockBudget, storeChunk, storeImportLines } from '../../infrastructure/send-lines.repository';

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
      const { name, origin, kind, erpSystem, jobNumber, total, syncedTotal, modificationIds, lineCount, chunkCount, linesDigest } = p;
      return {
        ...ids(p),
        fact: {
          type: 'sent',
          exportId: p.exportId,
          at: p.sentAt,
          sentBy: p.sentBy,
          createdBy: p.createdBy,
          summary: { name, origin, kind, erpSystem, jobNumber, total, syncedTotal, modificationIds, lineCount, chunkCount, linesDigest },
        },
      };
    }
    case Topics.BudgetRetrieved: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'retrieved', exportId: p.exportId, at: p.retrievedAt, by: p.retrievedBy } };
    }
    case Topics.BudgetExportTimedOut: {
      const p = event.payload;
      return { ...ids(p), fact: { type: 'timed_out', exportId: p.exportId, at: p.timedOutAt, reasonCode: p.reasonCode, message: p.message } };
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
        fact: { type: 'imported', importId: p.importId, at: p.importedAt, total: p.total, linesDigest: digestOfErpLines(p.lines) },
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

/** Tells two reports of one import apart without their lines. */
const digestOfErpLines = (lines: ErpLine[]) => createHash('sha256').update(canonicalJson(lines)).digest('hex');

/**
 * Folds one upstream event into the read model. Every write is idempotent, so a redelivered event
 * changes nothing; a concurrent writer makes the save fail and the inbox retry it.
 */
export async function recordUpstreamEvent(manager: EntityManager, event: UpstreamEvent): Promise<void> {
  await recordProjectFacts(manager, event);
  const about = factOf(event);
  if (!about) return;
  await lockBudget(manager, about.budgetId);
  const loaded = await loadReview(manager, about.budgetId);
  if (loaded && loaded.state.companyId !== about.companyId) {
    throw new Error(`event for budget ${about.budgetId} names company ${about.companyId}, the budget belongs to another`);
  }
  const before = loaded?.state ?? emptyReview(about.budgetId, about.companyId, about.projectId);
  let after = evolve(before, about.fact);
  if (about.fact.type === 'sent') after = await withReceivedLines(manager, after, about.fact.exportId);
  if (event.topic === Topics.ErpBudgetImported && about.fact.type === 'imported') {
    const won = after.imports[about.fact.importId].imported;
    if (won?.linesDigest === about.fact.linesDigest && before.imports[about.fact.importId]?.imported?.linesDigest !== won.linesDigest) {
      await storeImportLines(manager, about.budgetId, about.fact.importId, event.payload.lines);
    }
  }
  if (loaded && JSON.stringify(after) === JSON.stringify(before)) return;
  await saveReview(manager, after, loaded?.version ?? null);
}

/**
 * Stores one chunk of a send's lines as it arrives. The chunk that completes a send whose summary
 * is known (or the summary that completes its chunks, see `recordUpstreamEvent`) marks the send's
 * lines as received, once they match the summary's count and digest.
 */
export async function recordSendLines(manager: EntityManager, chunk: PayloadOf<typeof Topics.BudgetSentLines>): Promise<void> {
  await lockBudget(manager, chunk.budgetId);
  if (!(await storeChunk(manager, chunk))) return;
  const loaded = await loadReview(manager, chunk.budgetId);
  if (!loaded) return;
  if (loaded.state.companyId !== chunk.companyId) {
    throw new Error(`lines of budget ${chunk.budgetId} name company ${chunk.companyId}, the budget belongs to another`);
  }
  const after = await withReceivedLines(manager, loaded.state, chunk.exportId);
  if (after !== loaded.state) await saveReview(manager, after, loaded.version);
}

/**
 * The review with the send's lines marked as received when every chunk is stored and they match
 * its summary. Lines that do not match are a broken send, never reviewable: the event that
 * completed them fails, so that it is retried and then dead-lettered with the reason.
 */
async function withReceivedLines(manager: EntityManager, state: BudgetReview, exportId: string): Promise<BudgetReview> {
  const record = state.exports[exportId];
  if (!record?.sent || record.linesReceived) return state;
  const check = await checkStoredLines(manager, { budgetId: state.budgetId, companyId: state.companyId, exportId, summary: record.sent.summary });
  switch (check.state) {
    case 'incomplete':
      return state;
    case 'mismatch':
      throw new Error(`the lines of export ${exportId} of budget ${state.budgetId} do not match its summary: ${check.reason}`);
    case 'complete':
      return evolve(state, { type: 'lines_received', exportId });
    default:
      return assertNever(check);
  }
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
        imported: p.origin === 'erp',
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

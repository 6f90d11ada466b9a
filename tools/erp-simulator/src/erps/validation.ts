import { amountProblem, normalizeAmount } from '@budget-erp/money';
import type { SimJob, SimLine, SimRevision } from '../simulator-state';

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** Checks lines the way an ERP would before accepting them; answers the problems in its words. */
export function lineProblems(job: SimJob, lines: SimLine[], options: { subJobsSupported: boolean; allowNegative: boolean }): string[] {
  const problems: string[] = [];
  if (lines.length === 0) problems.push('at least one line is required');
  const codes = new Set(job.costCodes.map((c) => c.code));
  lines.forEach((line, i) => {
    if (!codes.has(line.costCode)) problems.push(`line ${i + 1}: cost code ${line.costCode} does not exist on job ${job.jobNumber}`);
    const problem = amountProblem(line.amount);
    if (problem) problems.push(`line ${i + 1}: amount ${problem}`);
    else if (!options.allowNegative && line.amount.startsWith('-')) problems.push(`line ${i + 1}: amount must not be negative`);
    if (line.subJob !== null) {
      if (!options.subJobsSupported) problems.push(`line ${i + 1}: sub jobs are not supported`);
      else if (!job.subJobs.includes(line.subJob)) problems.push(`line ${i + 1}: sub job ${line.subJob} does not exist on job ${job.jobNumber}`);
    }
  });
  return problems;
}

export function toLine(raw: { costCode: unknown; costType?: unknown; subJob?: unknown; description?: unknown; amount: unknown }): SimLine {
  const amount = typeof raw.amount === 'string' ? raw.amount : String(raw.amount);
  return {
    costCode: str(raw.costCode) ?? '',
    costType: str(raw.costType),
    subJob: str(raw.subJob),
    description: str(raw.description),
    amount: amountProblem(amount) === null ? normalizeAmount(amount) : amount,
  };
}

export function toRevision(raw: Record<string, unknown> | null | undefined): SimRevision | null {
  if (!raw) return null;
  return {
    type: String(raw.type ?? ''),
    date: String(raw.date ?? ''),
    number: Number(raw.number ?? 0),
    status: String(raw.status ?? ''),
    approvedBy: String(raw.approvedBy ?? ''),
  };
}

export const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

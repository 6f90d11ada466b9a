export interface BudgetLine {
  id: string;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  amount: string;
}

export interface Modification {
  id: string;
  description: string | null;
  status: string;
  changes: { lineId?: string | null; costCode?: string | null; amount: string; description?: string | null }[];
  sent: boolean;
  synced: boolean;
  createdAt: string;
}

export interface Budget {
  id: string;
  projectId: string;
  name: string;
  origin: 'platform' | 'erp';
  locked: boolean;
  erpStatus: string;
  total: string;
  /** The first page of lines only: `nextLines` (a path) names the next page, `lineCount` counts them all. */
  lines: BudgetLine[];
  lineCount: number;
  nextLines: string | null;
  modifications: Modification[];
  exportId: string | null;
  exported: boolean;
  syncedAt: string | null;
  importInProgress: boolean;
  lastImport: { status?: string; message?: string | null; at?: string } | null;
  createdBy: { name: string } | null;
  createdAt: string;
}

export interface Readiness {
  canSend: boolean;
  reasons: { code: string; message: string }[];
}

export interface Timeline {
  budgetId: string;
  erpStatus: string;
  exports: {
    exportId: string;
    kind: string;
    erpSystem: string;
    status: string;
    holdsBudget: boolean;
    startedAt: string;
    failure: { reasonCode: string; message: string } | null;
    rejection: { reason: string; by: { name: string } } | null;
    history: { at: string; event: string; note: string | null; status: string }[];
  }[];
}

export interface ListItem {
  budgetId: string | null;
  projectId: string;
  name: string | null;
  origin: string;
  erpSystem: string | null;
  jobNumber: string | null;
  erpStatus: string;
  total: string | null;
  listedAt: string | null;
}

export interface Review {
  budgetId: string;
  projectId: string;
  name: string | null;
  origin: 'platform' | 'erp';
  erpStatus: string;
  erpSystem: string | null;
  jobNumber: string | null;
  jobName: string | null;
  exportId: string | null;
  kind: 'original' | 'revision' | null;
  sentAt: string | null;
  sentBy: { name: string } | null;
  decision:
    | { decision: 'accepted'; by: { name: string }; at: string; description: string | null }
    | { decision: 'rejected'; by: { name: string }; at: string; reason: string }
    | null;
  /** Lines of the latest send; they are paged apart (`ReviewLinesPage`). */
  lineCount: number;
  /** False while the send's lines are still arriving: nothing to review or decide yet. */
  linesReady: boolean;
  totals: { original: string; changes: string; revised: string };
  failure: { reasonCode: string; message: string; failedAt: string } | null;
  /** Sends the ERP holds although the platform had given up on them. */
  landedAfterGivenUp: { exportId: string; sentAt: string; exportStatus: string; erpReference: string | null; landedAt: string | null }[];
  reimport: { erpTotal: string; platformTotal: string; platformTotalAfterReimport: string } | null;
  /** The budget's open drift from its ERP job, if any. */
  drift: Drift | null;
}

/** A synced budget that differs from its ERP job: each differing line and the fix its origin calls for. */
export interface Drift {
  driftId: string;
  status: 'open' | 'acknowledged' | 'resolved';
  origin: 'platform' | 'erp';
  detectedAt: string | null;
  lines: { costCode: string; costType: string | null; subJob: string | null; description: string | null; platformAmount: string; erpAmount: string; difference: string }[];
  platformTotal: string | null;
  erpTotal: string | null;
  resolution: { action: 'reimport' | 'resend_correcting_revision'; message: string };
  acknowledged: { by: { name: string }; note: string; at: string } | null;
}

/** A line of the review, with its difference from what was last synced; removed lines come last. */
export interface ReviewLine {
  change: 'added' | 'changed' | 'removed' | 'unchanged';
  lineId: string;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  original: string;
  changes: string;
  revised: string;
  syncedAmount: string | null;
  amount: string | null;
  difference: string;
}

export interface ReviewLinesPage {
  exportId: string | null;
  lineCount: number;
  items: ReviewLine[];
  nextCursor: string | null;
}

/** The connector's live read of the linked ERP job's budget (`GET /erp/projects/:projectId/erp-budget`). */
export interface ErpBudgetPreview {
  erpSystem: string;
  jobNumber: string;
  lines: { costCode: string; amount: string }[];
  total: string;
  digest: string;
  readAt: string;
}

/** A page of a budget's lines (`GET /budgets/:id/lines`); `next` is the path of the next page. */
export interface LinesPage {
  items: BudgetLine[];
  next: string | null;
}

/** A page of a project's budgets (`GET /projects/:projectId/budgets`), without their lines. */
export interface BudgetsPage {
  items: Omit<Budget, 'lines' | 'nextLines'>[];
  next: string | null;
}

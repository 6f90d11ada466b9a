import type { ErpFailureCode, ErpSystem, RevisionFields } from '@budget-erp/contracts';

/** What differs between ERPs, as data: the rest of the connector reads these, never the system name. */
export interface ErpCapabilities {
  /** Whether budget lines may carry a sub job. */
  subJobs: boolean;
  /** Whether revision fields (type, date, number, status, approved by) are sent with a revision. */
  revisionFields: boolean;
  /** How the connector learns that the accountant posted the exported entries. */
  postingDetection: 'batch_status' | 'entry_status' | 'job_cost_report';
  /** Whether the company's estimates feature must be on to export. */
  estimatesFeatureRequired: boolean;
}

/** Where and as whom to call a company's ERP. Credentials are decrypted only for the call. */
export interface ErpConnection {
  companyId: string;
  baseUrl: string;
  /** The ERP's own company id (CMiC company code, Sage company, QuickBooks realm); defaults to the platform company id. */
  erpCompanyId: string;
  credentials: Record<string, string> | null;
  /** The deadline of each call. */
  timeoutMs: number;
  /** Ends calls in flight early: an export attempt's calls stop when its worker loses the export's lease. */
  signal?: AbortSignal;
}

/**
 * The most ERP calls one export attempt makes: asking whether the export already landed, a read
 * the export needs (company settings, project tasks), and the export itself. An attempt's
 * worst-case ERP time is this many deadlines (`ERP_TIMEOUT_MS`), which its lease must outlast.
 */
export const ERP_CALLS_PER_ATTEMPT_MAX = 3;

export interface ErpJob {
  jobNumber: string;
  name: string;
  costCodes: { code: string; description: string }[];
  subJobs: string[];
}

/** A job as the job picker lists it. */
export interface ErpJobSummary {
  jobNumber: string;
  name: string;
}

/** A page of the ERP's jobs whose number or name contains `search` (case-insensitive; `''` lists all). */
export interface ErpJobQuery {
  search: string;
  offset: number;
  limit: number;
}

export interface ErpJobPage {
  items: ErpJobSummary[];
  hasMore: boolean;
}

export interface ErpLine {
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  amount: string;
}

/**
 * The lines of an export, read a slice at a time while the request is sent, so a large export is
 * never in memory whole; each call reads them anew (a retried request sends them whole again).
 */
export type ErpLineSource = () => AsyncIterable<readonly ErpLine[]>;

export interface ExportRequest {
  idempotencyKey: string;
  jobNumber: string;
  kind: 'original' | 'revision';
  description: string | null;
  lines: ErpLineSource;
  revision: RevisionFields | null;
}

/** What the ERP created for an export, enough to look its posting up later. */
/**
 * What a posting check found. Posting is proven, not assumed: `posted` only when the ERP record at
 * the export's reference is this export's — its job and the idempotency key it was written with
 * (the company is the connection's). `missing` when there is no such record (an ERP restored from a
 * backup, or one that hands out the same numbers again): the reference now names nothing, or
 * another export's record.
 */
export type PostingCheck = { status: 'posted' } | { status: 'unposted' } | { status: 'missing'; reason: string };

export const posted: PostingCheck = { status: 'posted' };
export const unposted: PostingCheck = { status: 'unposted' };
export const missing = (reason: string): PostingCheck => ({ status: 'missing', reason });

export interface ErpExportRef {
  erpReference: string;
  posted: boolean;
}

/** A failure the connector can act on: transient ones are retried, permanent ones end the export. */
export interface ErpError {
  kind: 'transient' | 'permanent';
  code: ErpFailureCode;
  message: string;
  /** How long the ERP asked to be left alone (`Retry-After` of a 429 or 503), when it said. */
  retryAfterMs?: number;
}

export type ErpResult<T> = { ok: true; value: T } | { ok: false; error: ErpError };

export const ok = <T>(value: T): ErpResult<T> => ({ ok: true, value });
export const fail = <T = never>(kind: ErpError['kind'], code: ErpFailureCode, message: string): ErpResult<T> => ({
  ok: false,
  error: { kind, code, message },
});

export interface ErpAdapter {
  readonly system: ErpSystem;
  /** The ERP's name as accountants know it. */
  readonly displayName: string;
  readonly capabilities: ErpCapabilities;
  /**
   * `per_customer`: each company's ERP lives at its own address (a hosted instance), which the
   * company sets in its connection within the operator's allow-list; `vendor`: one API for all.
   */
  readonly hosting: 'vendor' | 'per_customer';
  /**
   * For ERPs hosted per customer: the path under one shared address (the operator's `ERP_<ID>_URL`
   * or `ERP_BASE_URL`, e.g. the ERP simulator) at which a company's instance is served, when the
   * company has not set its own address.
   */
  instancePath?(erpCompanyId: string): string;
  fetchJob(connection: ErpConnection, jobNumber: string): Promise<ErpResult<ErpJob>>;
  /** Did the export with this key land? Asked before any retry. */
  findExport(connection: ErpConnection, jobNumber: string, idempotencyKey: string): Promise<ErpResult<ErpExportRef | null>>;
  exportBudget(connection: ErpConnection, request: ExportRequest): Promise<ErpResult<ErpExportRef>>;
  checkPosted(connection: ErpConnection, jobNumber: string, ref: { erpReference: string; idempotencyKey: string }): Promise<ErpResult<PostingCheck>>;
  /** The job's budget as the ERP now holds it. */
  readBudget(connection: ErpConnection, jobNumber: string): Promise<ErpResult<ErpLine[]>>;
  /** The job picker: a page of the company's jobs, read from the ERP. */
  listJobs(connection: ErpConnection, query: ErpJobQuery): Promise<ErpResult<ErpJobPage>>;
  /** Company-wide ERP settings that decide what can be exported (only ERPs with such settings). */
  readCompanySettings?(connection: ErpConnection): Promise<ErpResult<{ estimatesEnabled: boolean }>>;
}

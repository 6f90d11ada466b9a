import { ERP_SYSTEM_IDS, type ErpSystem } from '@budget-erp/contracts';
import { sumAmounts, toCents, fromCents } from '@budget-erp/money';

/** The ERPs the simulator plays: every ERP of the platform's registry (libs/contracts `ERP_SYSTEMS`). */
export type SimSystem = ErpSystem;
export const SIM_SYSTEMS: readonly SimSystem[] = ERP_SYSTEM_IDS;

export type FaultMode = 'ok' | 'down' | 'error500' | 'timeout' | 'reject' | 'lost_reply' | 'throttled';
export const FAULT_MODES: readonly FaultMode[] = ['ok', 'down', 'error500', 'timeout', 'reject', 'lost_reply', 'throttled'];

/** The `Retry-After` (seconds) a `throttled` fault answers its 429 with, unless the fault names its own. */
export const THROTTLED_RETRY_AFTER_S = 1;

export interface SimCostCode {
  code: string;
  description: string;
}

export interface SimLine {
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  amount: string;
}

export interface SimRevision {
  type: string;
  date: string;
  number: number;
  status: string;
  approvedBy: string;
}

/** One export as the ERP keeps it: a CMiC budget batch, a Sage 300 CRE entry, a QuickBooks estimate. */
export interface SimEntry {
  reference: string;
  idempotencyKey: string;
  kind: 'original' | 'revision';
  description: string | null;
  lines: SimLine[];
  total: string;
  revision: SimRevision | null;
  posted: boolean;
  createdAt: string;
  postedAt: string | null;
}

export interface SimJob {
  system: SimSystem;
  companyId: string;
  jobNumber: string;
  name: string;
  costCodes: SimCostCode[];
  subJobs: string[];
  /** The job's budget as the ERP reports it: posted entries plus changes made inside the ERP. */
  budget: SimLine[];
  entries: SimEntry[];
}

export interface SimFault {
  mode: FaultMode;
  /** Requests still affected; null means until changed. */
  remaining: number | null;
  /** `throttled`: the seconds its 429 answers' `Retry-After` asks for (default THROTTLED_RETRY_AFTER_S). */
  retryAfterSeconds?: number;
  /** The fault affects writes only (an ERP whose posting API is down while its reads answer). */
  writesOnly?: boolean;
}

export interface SimCompany {
  estimatesEnabled: boolean;
}

const lineKey = (line: Pick<SimLine, 'costCode' | 'costType' | 'subJob'>): string =>
  `${line.costCode}|${line.costType ?? ''}|${line.subJob ?? ''}`;

/** Everything an ERP keeps, as the simulator writes it to disk (see `books.ts`). */
export interface SimBooks {
  version: 1;
  jobs: SimJob[];
  faults: Array<[SimSystem, SimFault]>;
  companies: Array<[string, SimCompany]>;
  /** The last entry number each ERP handed out. */
  sequences: Array<[SimSystem, number]>;
}

export class SimulatorState {
  private readonly jobs = new Map<string, SimJob>();
  private readonly faults = new Map<SimSystem, SimFault>();
  private readonly companies = new Map<string, SimCompany>();
  /** Each ERP numbers its own entries (batches, entries, estimates). */
  private readonly sequences = new Map<SimSystem, number>();
  /** Authorization headers the ERP APIs received, per system (tests check credentials reach the ERP). */
  readonly credentialsSeen = new Map<SimSystem, string[]>();
  /** The Authorization headers an ERP accepts; absent: it accepts any (the default). */
  private readonly acceptedCredentials = new Map<SimSystem, string[]>();

  private key(system: SimSystem, companyId: string, jobNumber: string): string {
    return `${system}/${companyId}/${jobNumber}`;
  }

  createJob(input: {
    system: SimSystem;
    companyId: string;
    jobNumber: string;
    name?: string;
    costCodes: SimCostCode[];
    subJobs?: string[];
  }): SimJob {
    const job: SimJob = {
      system: input.system,
      companyId: input.companyId,
      jobNumber: input.jobNumber,
      name: input.name ?? `Job ${input.jobNumber}`,
      costCodes: input.costCodes.map((c) => ({ ...c })),
      subJobs: [...(input.subJobs ?? [])],
      budget: [],
      entries: [],
    };
    this.jobs.set(this.key(input.system, input.companyId, input.jobNumber), job);
    return job;
  }

  /** A job by company, or — when no company is named — the only job with that number. */
  findJob(system: SimSystem, jobNumber: string, companyId?: string): SimJob | undefined {
    if (companyId !== undefined) return this.jobs.get(this.key(system, companyId, jobNumber));
    return [...this.jobs.values()].find((j) => j.system === system && j.jobNumber === jobNumber);
  }

  company(system: SimSystem, companyId: string): SimCompany {
    const key = `${system}/${companyId}`;
    let company = this.companies.get(key);
    if (!company) {
      company = { estimatesEnabled: true };
      this.companies.set(key, company);
    }
    return company;
  }

  findEntry(system: SimSystem, companyId: string, reference: { idempotencyKey?: string; reference?: string }): { job: SimJob; entry: SimEntry } | undefined {
    for (const job of this.jobs.values()) {
      if (job.system !== system || job.companyId !== companyId) continue;
      const entry = job.entries.find(
        (e) =>
          (reference.idempotencyKey !== undefined && e.idempotencyKey === reference.idempotencyKey) ||
          (reference.reference !== undefined && e.reference === reference.reference),
      );
      if (entry) return { job, entry };
    }
    return undefined;
  }

  /**
   * Records an export once per idempotency key; a repeated key returns the first entry. With
   * `dedupe: false` (an ERP whose reference is only a label, such as Acumatica's ExternalRefNbr)
   * every call records a new entry, as that ERP would.
   */
  addEntry(
    job: SimJob,
    input: { idempotencyKey: string; kind: 'original' | 'revision'; description: string | null; lines: SimLine[]; revision: SimRevision | null },
    referencePrefix: string,
    options: { dedupe?: boolean } = {},
  ): { entry: SimEntry; created: boolean } {
    const existing = options.dedupe === false ? undefined : this.findEntry(job.system, job.companyId, { idempotencyKey: input.idempotencyKey });
    if (existing) return { entry: existing.entry, created: false };
    const sequence = (this.sequences.get(job.system) ?? 0) + 1;
    this.sequences.set(job.system, sequence);
    const entry: SimEntry = {
      reference: `${referencePrefix}${String(sequence).padStart(6, '0')}`,
      idempotencyKey: input.idempotencyKey,
      kind: input.kind,
      description: input.description,
      lines: input.lines.map((l) => ({ ...l })),
      total: sumAmounts(input.lines.map((l) => l.amount)),
      revision: input.revision,
      posted: false,
      createdAt: new Date().toISOString(),
      postedAt: null,
    };
    job.entries.push(entry);
    return { entry, created: true };
  }

  /** The accountant posts every unposted entry of the job; posted amounts join the job's budget. */
  postEntries(job: SimJob): SimEntry[] {
    const posted: SimEntry[] = [];
    const now = new Date().toISOString();
    for (const entry of job.entries) {
      if (entry.posted) continue;
      entry.posted = true;
      entry.postedAt = now;
      posted.push(entry);
      for (const line of entry.lines) this.addToBudget(job, line, entry.kind === 'original');
    }
    return posted;
  }

  private addToBudget(job: SimJob, line: SimLine, replace: boolean): void {
    const existing = job.budget.find((b) => lineKey(b) === lineKey(line));
    if (!existing) {
      job.budget.push({ ...line });
      return;
    }
    existing.amount = replace ? line.amount : fromCents(toCents(existing.amount) + toCents(line.amount));
    if (line.description) existing.description = line.description;
  }

  setBudget(job: SimJob, lines: SimLine[]): void {
    job.budget = lines.map((l) => ({ ...l }));
  }

  fault(system: SimSystem): SimFault {
    return this.faults.get(system) ?? { mode: 'ok', remaining: null };
  }

  setFault(system: SimSystem, mode: FaultMode, count?: number, retryAfterSeconds?: number, writesOnly?: boolean): SimFault {
    const fault: SimFault = {
      mode,
      remaining: mode === 'ok' ? null : (count ?? null),
      ...(mode === 'throttled' && retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      ...(mode !== 'ok' && writesOnly ? { writesOnly: true } : {}),
    };
    this.faults.set(system, fault);
    return fault;
  }

  /** Takes one request's worth of the current fault, if it applies to this kind of request. */
  consumeFault(system: SimSystem, isWrite: boolean): FaultMode {
    const fault = this.fault(system);
    if (fault.mode === 'ok') return 'ok';
    if ((fault.mode === 'reject' || fault.mode === 'lost_reply' || fault.writesOnly) && !isWrite) return 'ok';
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.set(system, { mode: 'ok', remaining: null });
    }
    return fault.mode;
  }

  /** Makes the ERP accept only these Authorization headers; null accepts any again. */
  setAcceptedCredentials(system: SimSystem, accepted: string[] | null): void {
    if (accepted === null) this.acceptedCredentials.delete(system);
    else this.acceptedCredentials.set(system, [...accepted]);
  }

  credentialAccepted(system: SimSystem, value: string | undefined): boolean {
    const accepted = this.acceptedCredentials.get(system);
    return accepted === undefined || (value !== undefined && accepted.includes(value));
  }

  /** The ERP's jobs of a company whose number or name contains `search` (case-insensitive), by job number. */
  listJobs(system: SimSystem, companyId: string, search: string): SimJob[] {
    const needle = search.toLowerCase();
    return [...this.jobs.values()]
      .filter((j) => j.system === system && j.companyId === companyId)
      .filter((j) => !needle || j.jobNumber.toLowerCase().includes(needle) || j.name.toLowerCase().includes(needle))
      .sort((a, b) => (a.jobNumber < b.jobNumber ? -1 : a.jobNumber > b.jobNumber ? 1 : 0));
  }

  noteCredential(system: SimSystem, value: string | undefined): void {
    if (!value) return;
    const seen = this.credentialsSeen.get(system) ?? [];
    if (!seen.includes(value)) seen.push(value);
    this.credentialsSeen.set(system, seen);
  }

  /**
   * The ERP loses what it recorded since its jobs were set up, as one restored from an old backup
   * does: every entry of its jobs is gone, the job budgets are empty again, and its entry numbers
   * start over, so it hands out numbers it already gave to other exports. Returns the entries lost.
   */
  loseState(system: SimSystem): number {
    let lost = 0;
    for (const job of this.jobs.values()) {
      if (job.system !== system) continue;
      lost += job.entries.length;
      job.entries = [];
      job.budget = [];
    }
    this.sequences.delete(system);
    return lost;
  }

  toBooks(): SimBooks {
    return {
      version: 1,
      jobs: [...this.jobs.values()],
      faults: [...this.faults.entries()],
      companies: [...this.companies.entries()],
      sequences: [...this.sequences.entries()],
    };
  }

  /** Replaces the state with books written by `toBooks`. */
  loadBooks(books: SimBooks): void {
    this.reset();
    for (const job of books.jobs) this.jobs.set(this.key(job.system, job.companyId, job.jobNumber), job);
    for (const [system, fault] of books.faults) this.faults.set(system, fault);
    for (const [key, company] of books.companies) this.companies.set(key, company);
    for (const [system, sequence] of books.sequences) this.sequences.set(system, sequence);
  }

  reset(): void {
    this.jobs.clear();
    this.faults.clear();
    this.companies.clear();
    this.sequences.clear();
    this.credentialsSeen.clear();
    this.acceptedCredentials.clear();
  }
}

import type { ErpSystemInfo } from '@budget-erp/contracts';
import { signDevToken } from '@budget-erp/auth';

/** The ERPs of the platform's registry (libs/contracts `ERP_SYSTEMS`). */
export type ErpSystem = ErpSystemInfo['id'];

export interface PlatformUrls {
  budget: string;
  approval: string;
  erpConnector: string;
  notification: string;
  erpSimulator: string;
  smtpInbox: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies of arbitrary routes, asserted field by field
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  /** The `Retry-After` header, when the answer carried one. */
  retryAfter?: string | null;
}

/** What a client saw of one call: an HTTP answer, or no answer at all (`status` null). */
export interface ObservedAnswer {
  method: string;
  url: string;
  status: number | null;
  retryAfter: string | null;
  error?: string;
}

/** The people of one company, as the platform's users. */
export type Role = 'pm' | 'approver' | 'integrations' | 'viewer' | 'outsider';

export interface Person {
  userId: string;
  name: string;
  email: string;
}

/** HTTP access to the platform's public routes, as the people of one company. */
export class PlatformClient {
  private readonly tokens = new Map<Role, string>();
  /** Told of every call's outcome (a fault test's ledger counts 5xx answers by status). */
  onAnswer?: (answer: ObservedAnswer) => void;

  private constructor(
    readonly urls: PlatformUrls,
    readonly companyId: string,
    readonly people: Record<Role, Person>,
  ) {}

  static async forCompany(urls: PlatformUrls, companyId: string, jwtSecret: string): Promise<PlatformClient> {
    const person = (role: string, name: string): Person => ({
      userId: `${companyId}-${role}`,
      name,
      email: `${role}.${companyId}@example.com`.toLowerCase(),
    });
    const people: Record<Role, Person> = {
      pm: person('pm', 'Pat Manager'),
      approver: person('approver', 'Alex Approver'),
      integrations: person('integrations', 'Ira Integrations'),
      viewer: person('viewer', 'Vic Viewer'),
      outsider: person('outsider', 'Oscar Outsider'),
    };
    const client = new PlatformClient(urls, companyId, people);
    const claims: Record<Role, { companyId: string; perms: { budget: string; erpIntegrations: string }; privileges: string[] }> = {
      pm: { companyId, perms: { budget: 'admin', erpIntegrations: 'none' }, privileges: [] },
      approver: { companyId, perms: { budget: 'read_only', erpIntegrations: 'standard' }, privileges: ['can_push_to_accounting'] },
      integrations: { companyId, perms: { budget: 'read_only', erpIntegrations: 'admin' }, privileges: [] },
      viewer: { companyId, perms: { budget: 'read_only', erpIntegrations: 'read_only' }, privileges: [] },
      outsider: { companyId: `${companyId}-other`, perms: { budget: 'admin', erpIntegrations: 'admin' }, privileges: ['can_push_to_accounting'] },
    };
    for (const role of Object.keys(claims) as Role[]) {
      const p = people[role];
      client.tokens.set(
        role,
        await signDevToken({ sub: p.userId, name: p.name, email: p.email, ...claims[role] } as Parameters<typeof signDevToken>[0], jwtSecret),
      );
    }
    return client;
  }

  /** How long a call waits for its answer before it is abandoned. */
  requestTimeoutMs = 15000;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ApiResponse
  async call<T = any>(role: Role | null, method: string, url: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (role) headers.authorization = `Bearer ${this.tokens.get(role)}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.requestTimeoutMs) });
      text = await response.text();
    } catch (error) {
      this.onAnswer?.({ method, url, status: null, retryAfter: null, error: (error as Error).message });
      throw error;
    }
    const retryAfter = response.headers.get('retry-after');
    this.onAnswer?.({ method, url, status: response.status, retryAfter });
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, retryAfter };
  }

  budget = (role: Role, method: string, path: string, body?: unknown) => this.call(role, method, `${this.urls.budget}${path}`, body);
  approval = (role: Role, method: string, path: string, body?: unknown) => this.call(role, method, `${this.urls.approval}${path}`, body);
  erp = (role: Role, method: string, path: string, body?: unknown) => this.call(role, method, `${this.urls.erpConnector}${path}`, body);
  notifications = (role: Role, path = '/notifications') => this.call(role, 'GET', `${this.urls.notification}${path}`);
  simulator = (method: string, path: string, body?: unknown) => this.call(null, method, `${this.urls.erpSimulator}${path}`, body);

  /** Mail the SMTP sink received for an address. */
  async mailTo(email: string): Promise<{ subject: string; text: string | null; to: string; messageId: string }[]> {
    const response = await this.call<{ envelope: { to: string[] }; subject: string; text: string | null; to: string; messageId: string }[]>(
      null,
      'GET',
      `${this.urls.smtpInbox}/messages`,
    );
    return response.body.filter((m) => m.envelope.to.includes(email));
  }
}

/** Polls until `probe` returns a value, or fails with what it saw last. */
export async function eventually<T>(
  description: string,
  probe: () => Promise<T | undefined | null | false>,
  { timeoutMs = 30000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

import { randomUUID } from 'node:crypto';
import { type PayloadOf, type Topic } from '@budget-erp/contracts';
import {
  type HttpAnswer,
  type ServiceProcess,
  type TestInfra,
  TestEventProducer,
  httpJson,
  signTestJwt,
  startServiceProcess,
  startTestInfra,
} from '@budget-erp/testing';
import type { Send } from './upstream-events';

type PermissionLevel = 'none' | 'read_only' | 'standard' | 'admin';

export const JWT_SECRET = 'approval-test-secret-0123456789';

export type Infra = TestInfra;

export function startInfra(prefix: string): Promise<Infra> {
  return startTestInfra(prefix);
}

export type RunningProcess = ServiceProcess;

/**
 * The real service as its own Node process, as deployed (HTTP, inbox consumer, outbox relay).
 */
export function startApproval(infra: { db: { url: string }; broker: { brokers: string } }): Promise<RunningProcess> {
  return startServiceProcess({
    main: 'services/approval/src/main.ts',
    name: 'the approval service',
    env: { DATABASE_URL: infra.db.url, KAFKA_BROKERS: infra.broker.brokers, JWT_SECRET, LOG_LEVEL: 'warn' },
  });
}

export interface Caller {
  userId: string;
  name: string;
  email: string;
  erpIntegrations: PermissionLevel;
  privileges: string[];
}

export const callers = {
  alex: { userId: 'u-alex', name: 'Alex Approver', email: 'alex@example.test', erpIntegrations: 'standard', privileges: ['can_push_to_accounting'] },
  sam: { userId: 'u-sam', name: 'Sam Second', email: 'sam@example.test', erpIntegrations: 'admin', privileges: ['can_push_to_accounting'] },
  reader: { userId: 'u-rita', name: 'Rita Reader', email: 'rita@example.test', erpIntegrations: 'read_only', privileges: [] },
  integrator: { userId: 'u-ivan', name: 'Ivan Integrations', email: 'ivan@example.test', erpIntegrations: 'standard', privileges: [] },
  adminWithout: { userId: 'u-ada', name: 'Ada Admin', email: 'ada@example.test', erpIntegrations: 'admin', privileges: [] },
  outsider: { userId: 'u-olga', name: 'Olga None', email: 'olga@example.test', erpIntegrations: 'none', privileges: [] },
} satisfies Record<string, Caller>;

/** An HS256 token signed here with node:crypto, independently of the auth library. */
export function tokenFor(caller: Caller, companyId: string): string {
  return signTestJwt(
    {
      sub: caller.userId,
      name: caller.name,
      email: caller.email,
      companyId,
      perms: { budget: 'standard', erpIntegrations: caller.erpIntegrations },
      privileges: caller.privileges,
    },
    JWT_SECRET,
  );
}

export type ApiAnswer<T = unknown> = HttpAnswer<T>;

export function api<T = unknown>(service: { url: string }, token: string, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
  return httpJson<T>(service.url, method, path, token, body);
}

/** Produces upstream events through the real broker, as the budget service and the ERP connector would. */
export class EventProducer {
  private constructor(private readonly events: TestEventProducer) {}

  static async connect(brokers: string): Promise<EventProducer> {
    return new EventProducer(await TestEventProducer.connect(brokers, 'approval-test'));
  }

  /** Sends one event; pass the same `id` again to redeliver it. Returns the event id. */
  send<T extends Topic>(topic: T, payload: PayloadOf<T>, id: string = randomUUID()): Promise<string> {
    return this.events.send(topic, payload, { id });
  }

  /**
   * Publishes a send as the budget service does: its summary and every chunk of its lines (the
   * chunks first when `linesFirst`, as they may arrive). Returns the summary's event id.
   */
  async sendBudget(send: Send, options: { linesFirst?: boolean } = {}): Promise<string> {
    const chunks = () => Promise.all(send.chunks.map((chunk) => this.send('budget.sent.lines', chunk)));
    if (options.linesFirst) await chunks();
    const id = await this.send('budget.sent', send.summary);
    if (!options.linesFirst) await chunks();
    return id;
  }

  close(): Promise<void> {
    return this.events.close();
  }
}

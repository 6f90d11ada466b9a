import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ErpFailureCode, ErpSystem } from '@budget-erp/contracts';
import { adapterFor } from '../../erp-adapters/erp-adapter.registry';
import { ErpConnectionsService } from './erp-connections.service';

/** What one real call to the company's ERP showed. */
export interface ConnectionTestResult {
  status: 'ok' | 'failed';
  erpSystem: ErpSystem;
  /** The address called (the company's own, or the platform's for that ERP). */
  baseUrl: string;
  /** Whether the ERP answered at all. */
  reachable: boolean;
  /** Whether the ERP accepted the credentials; null when it could not be told (the ERP did not answer, or refused for another reason). */
  credentialsValid: boolean | null;
  reasonCode: ErpFailureCode | null;
  /** The outcome in words, with the ERP's own reason when it gave one. */
  message: string;
  checkedAt: string;
}

/** Tests a company's ERP connection by asking the ERP for one job, outside any transaction. */
@Injectable()
export class TestErpConnectionHandler {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ErpConnectionsService) private readonly connections: ErpConnectionsService,
  ) {}

  /** Null when the company has no ERP connection. */
  async execute(companyId: string): Promise<ConnectionTestResult | null> {
    const resolved = await this.dataSource.transaction((m) => this.connections.connectionFor(m, companyId));
    if (!resolved) return null;
    const adapter = adapterFor(resolved.settings.system);
    const base = { erpSystem: adapter.system, baseUrl: resolved.connection.baseUrl };
    const answer = await adapter.listJobs(resolved.connection, { search: '', offset: 0, limit: 1 });
    const checkedAt = new Date().toISOString();
    if (answer.ok) {
      return { status: 'ok', ...base, reachable: true, credentialsValid: true, reasonCode: null, message: `${adapter.displayName} answered and accepted the credentials`, checkedAt };
    }
    const { kind, code, message } = answer.error;
    return {
      status: 'failed',
      ...base,
      reachable: kind !== 'transient',
      credentialsValid: code === 'connection_missing' ? false : null,
      reasonCode: code,
      message,
      checkedAt,
    };
  }
}

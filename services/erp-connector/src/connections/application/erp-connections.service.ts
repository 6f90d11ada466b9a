import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type ErpSystem } from '@budget-erp/contracts';
import { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import { ApplicationError, SERVICE_CONFIG } from '@budget-erp/service-kit';
import { erpUrlSetting, type ErpConnectorConfig } from '../../config';
import { adapterFor } from '../../erp-adapters/erp-adapter.registry';
import type { ErpConnection, ErpError } from '../../erp-adapters/erp-adapter';
import { customerErpUrlProblem, parseAllowedOrigin, type AllowedOrigin } from '../domain/customer-erp-url';
import type { ErpConnectionSettings } from '../domain/erp-connection';
import { CredentialCipher, CredentialsUnreadableError } from '../infrastructure/credential-cipher';
import { ErpConnectionOrmEntity } from '../infrastructure/erp-connection.orm-entity';

export interface ConfigureConnection {
  companyId: string;
  system: ErpSystem;
  settings?: {
    erpCompanyId?: string;
    estimatesEnabled?: boolean;
    timeZone?: string;
    /** The company's own ERP address (validated against the allow-list by the caller); null clears it. */
    baseUrl?: string | null;
    credentials?: Record<string, string>;
  };
}

const view = (row: ErpConnectionOrmEntity): ErpConnectionSettings => ({
  companyId: row.companyId,
  system: row.system as ErpSystem,
  erpCompanyId: row.erpCompanyId,
  estimatesEnabled: row.estimatesEnabled,
  timeZone: row.timeZone,
  baseUrl: row.baseUrl ?? null,
  hasCredentials: row.sealedCredentials !== null,
  updatedAt: row.updatedAt.toISOString(),
});

@Injectable()
export class ErpConnectionsService {
  private readonly cipher: CredentialCipher;
  private readonly allowedOrigins: AllowedOrigin[];

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ErpConnectorConfig,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {
    this.cipher = new CredentialCipher(config.ERP_CREDENTIALS_KEY, config.ERP_CREDENTIALS_PREVIOUS_KEYS ?? []);
    this.allowedOrigins = config.ERP_CUSTOMER_URL_ALLOWLIST.map((entry) => parseAllowedOrigin(entry)!);
  }

  /** Sets the company's ERP; credentials are sealed before they touch the database and never published. */
  async configure(command: ConfigureConnection): Promise<ErpConnectionSettings> {
    return this.uow.run(async (manager) => {
      // One change of a company's connection at a time: two concurrent first PUTs would otherwise both insert.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`erp-connection:${command.companyId}`]);
      const existing = await manager.findOne(ErpConnectionOrmEntity, { where: { companyId: command.companyId } });
      const settings = command.settings ?? {};
      const row = existing ?? Object.assign(new ErpConnectionOrmEntity(), { companyId: command.companyId, sealedCredentials: null });
      // `row` may be `existing` itself: what the company had before is read before it is overwritten.
      const sameSystem = existing?.system === command.system;
      row.system = command.system;
      row.erpCompanyId = settings.erpCompanyId ?? (sameSystem ? existing!.erpCompanyId : command.companyId);
      row.estimatesEnabled = settings.estimatesEnabled ?? existing?.estimatesEnabled ?? true;
      row.timeZone = settings.timeZone ?? existing?.timeZone ?? 'UTC';
      row.baseUrl = settings.baseUrl !== undefined ? settings.baseUrl : sameSystem ? (existing!.baseUrl ?? null) : null;
      if (settings.credentials !== undefined) row.sealedCredentials = this.cipher.encrypt(settings.credentials, command.companyId);
      row.updatedAt = new Date();
      const saved = await manager.save(ErpConnectionOrmEntity, row);
      await this.outbox.publish(manager, {
        topic: Topics.ErpConnectionUpdated,
        subject: command.companyId,
        companyId: command.companyId,
        payload: {
          companyId: command.companyId,
          erpSystem: command.system,
          estimatesEnabled: saved.estimatesEnabled,
          timeZone: saved.timeZone,
          updatedAt: saved.updatedAt.toISOString(),
        },
      });
      return view(saved);
    });
  }

  /** Records what the ERP itself says about the company's settings; publishes only a change. */
  async recordErpSettings(manager: EntityManager, companyId: string, erpSettings: { estimatesEnabled: boolean }): Promise<void> {
    const row = await manager.findOne(ErpConnectionOrmEntity, { where: { companyId } });
    if (!row || row.estimatesEnabled === erpSettings.estimatesEnabled) return;
    row.estimatesEnabled = erpSettings.estimatesEnabled;
    row.updatedAt = new Date();
    const saved = await manager.save(ErpConnectionOrmEntity, row);
    await this.outbox.publish(manager, {
      topic: Topics.ErpConnectionUpdated,
      subject: companyId,
      companyId,
      payload: { companyId, erpSystem: saved.system as ErpSystem, estimatesEnabled: saved.estimatesEnabled, timeZone: saved.timeZone, updatedAt: saved.updatedAt.toISOString() },
    });
  }

  /** The company's connection as it may be shown: never the credentials. */
  async read(companyId: string): Promise<ErpConnectionSettings | null> {
    return this.uow.run((manager) => this.settings(manager, companyId));
  }

  async settings(manager: EntityManager, companyId: string): Promise<ErpConnectionSettings | null> {
    const row = await manager.findOne(ErpConnectionOrmEntity, { where: { companyId } });
    return row ? view(row) : null;
  }

  /**
   * `connectionFor` for work that must end rather than retry: credentials no key opens are a
   * permanent ERP failure (`credentials_unreadable`), so the export or import fails with that reason.
   */
  async connectionOrFailureFor(manager: EntityManager, companyId: string): Promise<{ connection: ErpConnection } | { failure: ErpError } | null> {
    try {
      return await this.connectionFor(manager, companyId);
    } catch (error) {
      if (error instanceof ErpAddressNotAllowedError) return { failure: { kind: 'permanent', code: 'connection_missing', message: error.message } };
      if (!(error instanceof CredentialsUnreadableError)) throw error;
      return { failure: { kind: 'permanent', code: 'credentials_unreadable', message: error.message } };
    }
  }

  /** How to call the company's ERP right now, credentials unsealed for the call only; throws `CredentialsUnreadableError` (409). */
  async connectionFor(manager: EntityManager, companyId: string): Promise<{ settings: ErpConnectionSettings; connection: ErpConnection } | null> {
    const row = await manager.findOne(ErpConnectionOrmEntity, { where: { companyId } });
    if (!row) return null;
    // The allow-list is the operator's to narrow: an address it no longer allows is never called.
    const addressProblem = row.baseUrl ? customerErpUrlProblem(row.baseUrl, this.allowedOrigins) : null;
    if (addressProblem) throw new ErpAddressNotAllowedError(`The company's ERP address ${addressProblem}`);
    return {
      settings: view(row),
      connection: {
        companyId,
        erpCompanyId: row.erpCompanyId,
        baseUrl: row.baseUrl ?? this.baseUrlOf(row.system as ErpSystem, row.erpCompanyId),
        credentials: row.sealedCredentials ? this.cipher.decrypt(row.sealedCredentials, companyId) : null,
        timeoutMs: this.config.ERP_TIMEOUT_MS,
      },
    };
  }

  /** The operator's address for the ERP (`ERP_<ID>_URL`, else `ERP_BASE_URL`), with the company's instance path where one address serves many customer instances. */
  private baseUrlOf(system: ErpSystem, erpCompanyId: string): string {
    const operatorUrl = (this.config as unknown as Partial<Record<string, string>>)[erpUrlSetting(system)] ?? this.config.ERP_BASE_URL;
    return `${operatorUrl.replace(/\/$/, '')}${adapterFor(system).instancePath?.(erpCompanyId) ?? ''}`;
  }
}

/** The company's stored ERP address is not on the operator's allow-list any more (409 on HTTP routes; a permanent failure for exports and imports). */
export class ErpAddressNotAllowedError extends ApplicationError {
  constructor(message: string) {
    super('conflict', 'ERP.ADDRESS_NOT_ALLOWED', `${message}; set an allowed address with PUT /erp/connection`);
    this.name = 'ErpAddressNotAllowedError';
  }
}

import { BudgetLineOrmEntity, BudgetModificationOrmEntity, BudgetOrmEntity } from './budgets/infrastructure/budget.orm-entity';
import { CreateBudgetTables1763900200000 } from './budgets/infrastructure/migrations/1763900200000-create-budget-tables';
import { AddHoldToExportSagas1763900300000 } from './budgets/infrastructure/migrations/1763900300000-add-hold-to-export-sagas';
import { StoreSendSnapshotsOnce1764900000000 } from './budgets/infrastructure/migrations/1764900000000-store-send-snapshots-once';
import { CheckSnapshotChunksAtCommit1765000000000 } from './budgets/infrastructure/migrations/1765000000000-check-snapshot-chunks-at-commit';
import { MaintainLineAggregates1765000000100 } from './budgets/infrastructure/migrations/1765000000100-maintain-line-aggregates';
import { IndexSnapshotsByAge1765200000000 } from './budgets/infrastructure/migrations/1765200000000-index-snapshots-by-age';
import { ErpConnectionOrmEntity, ProjectLinkOrmEntity } from './erp-readiness/infrastructure/erp-context.orm-entity';
import { ExportSagaOrmEntity } from './export-saga/infrastructure/export-saga.orm-entity';

/** The budget service's TypeORM entities. */
export const budgetEntities = [BudgetOrmEntity, BudgetLineOrmEntity, BudgetModificationOrmEntity, ExportSagaOrmEntity, ErpConnectionOrmEntity, ProjectLinkOrmEntity];

/** The budget service's database migrations, in order. */
export const budgetMigrations = [CreateBudgetTables1763900200000, AddHoldToExportSagas1763900300000, StoreSendSnapshotsOnce1764900000000, CheckSnapshotChunksAtCommit1765000000000, MaintainLineAggregates1765000000100, IndexSnapshotsByAge1765200000000];

import { approvalEntities } from './budget-review.orm-entity';
import { CreateApprovalReadModel1763900000000 } from './migrations/1763900000000-create-approval-read-model';
import { MoveSnapshotLinesOutOfReviews1764000000000 } from './migrations/1764000000000-move-snapshot-lines-out-of-reviews';
import { MoveImportLinesOutOfReviews1764000000100 } from './migrations/1764000000100-move-import-lines-out-of-reviews';
import { StoreSendLinesInChunks1765000000000 } from './migrations/1765000000000-store-send-lines-in-chunks';
import { CreateBudgetDrifts1765200000000 } from '../../drift/infrastructure/migrations/1765200000000-create-budget-drifts';

export { approvalEntities };
export const approvalMigrations = [
  CreateApprovalReadModel1763900000000,
  MoveSnapshotLinesOutOfReviews1764000000000,
  MoveImportLinesOutOfReviews1764000000100,
  StoreSendLinesInChunks1765000000000,
  CreateBudgetDrifts1765200000000,
];

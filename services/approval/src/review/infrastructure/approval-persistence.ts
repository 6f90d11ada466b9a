import { approvalEntities } from './budget-review.orm-entity';
import { CreateApprovalReadModel1763900000000 } from './migrations/1763900000000-create-approval-read-model';

export { approvalEntities };
export const approvalMigrations = [CreateApprovalReadModel1763900000000];

import type { BudgetOrigin } from '@budget-erp/contracts';

/** The fix offered for a drifted budget, by its origin; acknowledging with a note is always offered beside it. */
export function resolutionFor(origin: BudgetOrigin): { action: 'reimport' | 'resend_correcting_revision'; message: string } {
  switch (origin) {
    case 'erp':
      return { action: 'reimport', message: 'The budget came from the ERP: re-import it to take the ERP amounts, or acknowledge the difference with a note' };
    case 'platform':
      return {
        action: 'resend_correcting_revision',
        message: 'The budget was created in the platform: re-send it, exported as a revision that corrects the ERP amounts, or acknowledge the difference with a note',
      };
    default: {
      const never: never = origin;
      throw new Error(`unknown origin ${String(never)}`);
    }
  }
}

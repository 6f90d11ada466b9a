import { ApplicationError } from '@budget-erp/service-kit';
import type { ErpError } from '../erp-adapters/erp-adapter';

/** An ERP failure during a request: the job missing is 404, the ERP away is a conflict the user may retry. */
export function httpErrorOfErp(error: ErpError): ApplicationError {
  if (error.code === 'job_not_found') return ApplicationError.notFound('ERP.JOB_NOT_FOUND', error.message);
  if (error.kind === 'transient') return ApplicationError.conflict('ERP.UNAVAILABLE', `${error.message}; try again in a moment`);
  return ApplicationError.conflict(`ERP.${error.code.toUpperCase()}`, error.message);
}

export const noConnection = (): ApplicationError =>
  ApplicationError.conflict('ERP.CONNECTION_MISSING', 'The company has no ERP connection; set it up under ERP connection first');

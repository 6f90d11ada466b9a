export type ReviewErrorCode =
  | 'APPROVAL.NOT_SENT'
  | 'APPROVAL.SEND_RETRIEVED'
  | 'APPROVAL.ALREADY_ACCEPTED'
  | 'APPROVAL.ALREADY_REJECTED'
  | 'APPROVAL.NOT_AWAITING_ACCEPTANCE'
  | 'APPROVAL.NOT_REJECTABLE'
  | 'APPROVAL.REASON_REQUIRED'
  | 'APPROVAL.LINES_NOT_READY';

export interface ReviewError {
  code: ReviewErrorCode;
  message: string;
}

export type Decision<T> = { ok: true; events: T[] } | { ok: false; error: ReviewError };

export const reviewError = (code: ReviewErrorCode, message: string): { ok: false; error: ReviewError } => ({
  ok: false,
  error: { code, message },
});

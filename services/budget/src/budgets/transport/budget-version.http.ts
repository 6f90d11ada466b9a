import { CallHandler, createParamDecorator, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { ApplicationError } from '@budget-erp/service-kit';

/**
 * Optimistic versions over HTTP: every answer that carries a budget (`{ id, version }`) carries its
 * version as an `ETag` too, and a command given `If-Match: "<version>"` applies only to that version
 * of the budget (else 409 `BUDGET.VERSION_MISMATCH` naming the current one). Without `If-Match`
 * (or with `*`) a command applies to the version it reads, as before.
 */

/** The version an `If-Match` header names (`"3"`, `W/"3"` or `3`), undefined without one or for `*`; 400 when it names none. */
export function expectedVersionOf(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) {
    throw ApplicationError.badRequest('VALIDATION_FAILED', 'The request is invalid.', [{ path: 'If-Match', message: 'A budget version this API gave in ETag, e.g. "3".' }]);
  }
  return Number(match[1]);
}

/** The version the request's `If-Match` header names, if any. */
export const IfMatch = createParamDecorator((_data: unknown, context: ExecutionContext): number | undefined => {
  const header = context.switchToHttp().getRequest<Request>().headers['if-match'];
  return expectedVersionOf(Array.isArray(header) ? header.join(',') : header);
});

/** Sets `ETag: "<version>"` on an answer that is a budget. */
@Injectable()
export class BudgetETagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((body: unknown) => {
        const version = (body as { version?: unknown } | null)?.version;
        if (typeof version === 'number' && typeof (body as { id?: unknown }).id === 'string') {
          context.switchToHttp().getResponse<Response>().setHeader('ETag', `"${version}"`);
        }
        return body;
      }),
    );
  }
}

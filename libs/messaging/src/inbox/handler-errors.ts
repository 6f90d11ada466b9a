import { AsyncLocalStorage } from 'node:async_hooks';
import { ArgumentsHost } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';

interface DeliveryScope {
  error?: unknown;
}

const deliveryScope = new AsyncLocalStorage<DeliveryScope>();
let installed = false;

/**
 * Nest's RPC exception filter replaces an unknown handler error by a generic "Internal server
 * error". Inside an inbox delivery the original error is kept and rethrown instead, so that the
 * retry log and the dead letter carry the real reason. Outside a delivery nothing changes.
 */
export function keepOriginalHandlerErrors(): void {
  if (installed) return;
  installed = true;
  const prototype = BaseRpcExceptionFilter.prototype as unknown as {
    catch(exception: unknown, host: ArgumentsHost): Observable<unknown>;
  };
  const original = prototype.catch;
  prototype.catch = function catchKeepingInboxErrors(exception: unknown, host: ArgumentsHost) {
    const scope = deliveryScope.getStore();
    if (!scope) return original.call(this, exception, host);
    scope.error = exception;
    return throwError(() => exception);
  };
}

/** Runs a handler call so that the error it throws reaches the inbox unchanged. */
export async function withinDelivery<T>(fn: () => Promise<T>): Promise<T> {
  const scope: DeliveryScope = {};
  const result = await deliveryScope.run(scope, fn);
  if (scope.error !== undefined) throw scope.error;
  return result;
}

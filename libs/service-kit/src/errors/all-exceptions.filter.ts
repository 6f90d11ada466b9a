import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { throwError } from 'rxjs';
import { toErrorBody } from './error-body';

interface HttpResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): void;
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

interface HttpRequest {
  method?: string;
  originalUrl?: string;
}

/** Every HTTP error leaves as `{ statusCode, error, message, code?, details? }`; unknown errors are a generic 500. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionsFilter');

  catch(exception: unknown, host: ArgumentsHost) {
    // Event handlers must see their own failure so the inbox retries and dead-letters.
    if (host.getType() !== 'http') return throwError(() => exception);

    const { body, expected, retryAfterSeconds } = toErrorBody(exception);
    const request = host.switchToHttp().getRequest<HttpRequest>();
    if (retryAfterSeconds !== undefined) {
      this.logger.warn(`${request.method} ${request.originalUrl} refused with ${body.statusCode} ${body.code}: ${exception instanceof Error ? exception.message : String(exception)}`);
    } else if (!expected) {
      const stack = exception instanceof Error ? exception.stack : String(exception);
      this.logger.error(`${request.method} ${request.originalUrl} failed: ${exception instanceof Error ? exception.message : String(exception)}`, stack);
    }
    const response = host.switchToHttp().getResponse<HttpResponse>();
    if (response.headersSent) return undefined;
    if (body.statusCode === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    if (retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(retryAfterSeconds));
    response.status(body.statusCode).json(body);
    return undefined;
  }
}

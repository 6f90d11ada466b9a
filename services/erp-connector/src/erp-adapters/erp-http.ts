import { fail, ok, type ErpConnection, type ErpResult } from './erp-adapter';

export interface ErpHttpResponse {
  status: number;
  body: unknown;
}

/**
 * One HTTP call to an ERP with a deadline. Network errors, timeouts, 429 and 5xx are transient;
 * everything the ERP answered is handed back for the adapter to read in that ERP's words.
 */
export async function erpFetch(
  connection: ErpConnection,
  displayName: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<ErpResult<ErpHttpResponse>> {
  let response: Response;
  try {
    response = await fetch(`${connection.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(connection.timeoutMs),
    });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return fail('transient', 'timeout', `${displayName} did not answer within ${connection.timeoutMs} ms`);
    }
    return fail('transient', 'erp_unavailable', `${displayName} could not be reached`);
  }
  let parsed: unknown = undefined;
  try {
    const text = await response.text();
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    return fail('transient', 'erp_unavailable', `${displayName} answered HTTP ${response.status}`);
  }
  if (response.status === 401 || response.status === 403) {
    return fail('permanent', 'connection_missing', `${displayName} refused the connection's credentials; check the ERP connection settings`);
  }
  return ok({ status: response.status, body: parsed });
}

export const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export const basicAuth = (credentials: Record<string, string> | null): Record<string, string> =>
  credentials?.username ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}` } : {};
export const bearerAuth = (credentials: Record<string, string> | null): Record<string, string> =>
  credentials?.accessToken ? { authorization: `Bearer ${credentials.accessToken}` } : {};

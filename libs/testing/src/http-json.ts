export interface HttpAnswer<T = unknown> {
  status: number;
  /** The parsed JSON answer, or null when the answer is empty. */
  body: T;
}

/**
 * Calls `baseUrl + path` with a bearer token. An object body is sent as JSON; a string body is sent
 * as is (with the JSON content type), e.g. to send malformed JSON.
 */
export async function httpJson<T = unknown>(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<HttpAnswer<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

import { sessionStore } from './session';

export type Service = 'budget' | 'approval' | 'erp-connector' | 'notification';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An answer of a service that is not a success, with its words for the user. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly details: ErrorDetail[],
  ) {
    super(message);
  }

  /** The message of the field at `path`, if the service named it. */
  forField(path: string): string | null {
    return this.details.find((d) => d.path === path || d.path.startsWith(`${path}.`))?.message ?? null;
  }
}

/** The services cannot be reached (network loss, or the console answers that a service is down). */
export class NetworkError extends Error {}

const networkListeners = new Set<() => void>();
let networkDown = false;

function setNetworkDown(down: boolean): void {
  if (down === networkDown) return;
  networkDown = down;
  for (const listener of networkListeners) listener();
}

export const networkStatus = {
  isDown: () => networkDown,
  subscribe(listener: () => void): () => void {
    networkListeners.add(listener);
    return () => networkListeners.delete(listener);
  },
};

export async function api<T>(service: Service, path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const session = sessionStore.get();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (session) headers.authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch(`/api/${service}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    setNetworkDown(true);
    throw new NetworkError('The platform cannot be reached.');
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    setNetworkDown(true);
    throw new NetworkError(`The ${service} service cannot be reached.`);
  }
  setNetworkDown(false);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (response.status === 401) {
    sessionStore.signOut('Your session has ended. Sign in again.');
    throw new ApiError(401, 'Your session has ended. Sign in again.', null, []);
  }
  if (!response.ok) {
    const b = (body ?? {}) as { message?: unknown; code?: unknown; details?: unknown };
    const message = Array.isArray(b.message) ? b.message.join('; ') : typeof b.message === 'string' ? b.message : `${response.status} ${response.statusText}`;
    const details = Array.isArray(b.details) ? (b.details as ErrorDetail[]) : [];
    throw new ApiError(response.status, message, typeof b.code === 'string' ? b.code : null, details);
  }
  return body as T;
}

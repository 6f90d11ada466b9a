import fc from 'fast-check';

/** A route of a service's OpenAPI document, e.g. `POST /budgets/{id}/lines`. */
export interface DocumentedRoute {
  method: string;
  /** OpenAPI path with `{param}` placeholders. */
  path: string;
  params: string[];
  query: string[];
  /** Top-level property names of the JSON body schema, when it has one. */
  bodyFields: string[];
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; $ref?: string } }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}

/** Every route of an OpenAPI document (`/docs/json`) but the documentation itself. */
export function documentedRoutes(document: OpenApiDocument): DocumentedRoute[] {
  const routes: DocumentedRoute[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    if (path.startsWith('/docs')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      const resolved = schema?.$ref ? document.components?.schemas?.[schema.$ref.split('/').pop() ?? ''] : schema;
      routes.push({
        method: method.toUpperCase(),
        path,
        params: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]),
        query: (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name),
        bodyFields: Object.keys(resolved?.properties ?? {}),
      });
    }
  }
  return routes;
}

/** Strings a hostile or careless client sends. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'name\u0000with NUL',
    '\uD800',
    'lone \uDFFF low surrogate',
    'x'.repeat(100_000),
    '',
    ' ',
    '../../etc/passwd',
    "'; DROP TABLE budgets; --",
    '%00',
    '1e400',
    '-1',
    '99999999999999999999999',
    'NaN',
    '0x10',
    '00000000-0000-0000-0000-000000000000',
    '💰🏗️',
    'true',
    'null',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 12 }),
);

/** JSON values with hostile strings and numbers at the edges of what any column or parser holds. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.constantFrom(0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 2 ** 63, -(2 ** 31) - 1, 123.456789, true, false, null),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(hostileString, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Percent-encodes a path segment; a lone surrogate (which encodeURIComponent refuses) goes as the bytes a careless client sends. */
export function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80').split('%ED%A0%80').map((part) => encodeURIComponent(part)).join('%ED%A0%80');
  }
}

export interface HostileRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What is hostile about it, for the failure message. */
  label: string;
}

const bodyKinds = ['json', 'fields', 'malformed', 'duplicate-keys', 'wrong-content-type', 'none'] as const;

/** Random hostile requests to one route: path parameters, query and body. */
export function hostileRequests(route: DocumentedRoute, knownIds: string[] = []): fc.Arbitrary<HostileRequest> {
  const fieldsObject = route.bodyFields.length
    ? fc.dictionary(fc.constantFrom(...route.bodyFields), hostileJson, { maxKeys: route.bodyFields.length })
    : fc.dictionary(fc.string({ maxLength: 8 }), hostileJson, { maxKeys: 3 });
  return fc
    .record({
      params: fc.array(knownIds.length ? fc.oneof(hostileString, fc.uuid(), fc.constantFrom(...knownIds)) : fc.oneof(hostileString, fc.uuid()), { minLength: route.params.length, maxLength: route.params.length }),
      query: fc.array(fc.tuple(route.query.length ? fc.oneof(fc.constantFrom(...route.query), hostileString) : hostileString, hostileString), { maxLength: 3 }),
      bodyKind: fc.constantFrom(...bodyKinds),
      json: hostileJson,
      fields: fieldsObject,
      text: fc.string({ maxLength: 40 }),
    })
    .map(({ params, query, bodyKind, json, fields, text }) => {
      let path = route.path;
      route.params.forEach((name, index) => {
        path = path.replace(`{${name}}`, encodeSegment(params[index]));
      });
      const search = query.map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(value)}`).join('&');
      const url = search ? `${path}?${search}` : path;
      const withBody = route.method !== 'GET' && route.method !== 'DELETE';
      const json200 = { 'content-type': 'application/json' };
      const request = (body: string | undefined, headers: Record<string, string>, label: string): HostileRequest => ({
        method: route.method,
        url,
        headers,
        ...(body !== undefined ? { body } : {}),
        label: `${route.method} ${url.slice(0, 200)} ${label}`,
      });
      if (!withBody || bodyKind === 'none') return request(undefined, {}, 'without a body');
      switch (bodyKind) {
        case 'json':
          return request(JSON.stringify(json) ?? 'null', json200, 'with a random JSON body');
        case 'fields':
          return request(JSON.stringify(fields), json200, `with hostile values in ${Object.keys(fields).join(', ') || 'no field'}`);
        case 'malformed':
          return request(JSON.stringify(fields).slice(0, -1) + text, json200, 'with malformed JSON');
        case 'duplicate-keys': {
          const key = route.bodyFields[0] ?? 'name';
          return request(`{"${key}":"a","${key}":"b"}`, json200, 'with a duplicate key');
        }
        case 'wrong-content-type':
          return request(text || 'name=x', { 'content-type': 'text/plain' }, 'with a text/plain body');
        default: {
          const unknown: never = bodyKind;
          throw new Error(`unknown body kind ${String(unknown)}`);
        }
      }
    });
}

export interface HostileOutcome {
  request: HostileRequest;
  status: number;
  body: unknown;
}

/** Sends a hostile request as raw HTTP text would carry it (the URL is not re-encoded). */
export async function sendHostile(baseUrl: string, request: HostileRequest, token: string): Promise<HostileOutcome> {
  const response = await fetch(`${baseUrl}${request.url}`, {
    method: request.method,
    headers: { authorization: `Bearer ${token}`, ...request.headers },
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text: the assertion names it
  }
  return { request, status: response.status, body };
}

/** Why an answer to hostile input is wrong: a 5xx, or a 4xx without the platform's error body naming the problem. */
export function hostileAnswerProblem(outcome: HostileOutcome): string | null {
  const { status, body, request } = outcome;
  const shown = JSON.stringify(body).slice(0, 300);
  if (status >= 500) return `${request.label} answered ${status}: ${shown}`;
  if (status >= 400) {
    const error = body as { statusCode?: unknown; message?: unknown } | null;
    if (typeof error !== 'object' || error === null || error.statusCode !== status || typeof error.message !== 'string' || error.message.trim() === '') {
      return `${request.label} answered ${status} without an error body naming the problem: ${shown}`;
    }
  }
  return null;
}

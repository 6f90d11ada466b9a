/**
 * Where a company's own ERP instance may be: the operator lists the allowed origins
 * (`ERP_CUSTOMER_URL_ALLOWLIST`), so a company cannot point the connector at the platform's
 * internal network (SSRF). An entry is `scheme://host[:port]`; the host may start with `*.` (any
 * subdomain, not the domain itself) and the port may be `*`; without a port, the scheme's default.
 */
export interface AllowedOrigin {
  scheme: 'http' | 'https';
  host: string;
  anySubdomain: boolean;
  /** `null`: the scheme's default port; `'*'`: any. */
  port: string | null;
}

const ENTRY = /^(https?):\/\/(\*\.)?([a-z0-9.-]+|\[[0-9a-f:]+\])(?::(\d{1,5}|\*))?\/?$/i;

/** Parses an allow-list entry; null when it is not one. */
export function parseAllowedOrigin(entry: string): AllowedOrigin | null {
  const match = ENTRY.exec(entry.trim());
  if (!match) return null;
  return { scheme: match[1].toLowerCase() as 'http' | 'https', anySubdomain: match[2] !== undefined, host: match[3].toLowerCase(), port: match[4] ?? null };
}

/** Why a company's ERP base URL cannot be used, or null when it can. */
export function customerErpUrlProblem(value: string, allowList: readonly AllowedOrigin[]): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://acme.cmiccloud.com';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials; set them under credentials';
  if (url.search || url.hash) return 'must not have a query or a fragment';
  if (allowList.length === 0) return 'per-company ERP addresses are not enabled on this platform (ERP_CUSTOMER_URL_ALLOWLIST is empty)';
  const scheme = url.protocol.slice(0, -1);
  const host = url.hostname.toLowerCase();
  const defaultPort = scheme === 'https' ? '443' : '80';
  const port = url.port || defaultPort;
  const allowed = allowList.some(
    (origin) =>
      origin.scheme === scheme &&
      (origin.anySubdomain ? host.endsWith(`.${origin.host}`) : host === origin.host) &&
      (origin.port === '*' || port === (origin.port ?? defaultPort)),
  );
  return allowed ? null : `${url.origin} is not on the platform's list of allowed ERP addresses`;
}

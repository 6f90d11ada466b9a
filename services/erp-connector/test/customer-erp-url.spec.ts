import { customerErpUrlProblem, parseAllowedOrigin, type AllowedOrigin } from '../src/connections/domain/customer-erp-url';

const allow = (...entries: string[]): AllowedOrigin[] => entries.map((e) => parseAllowedOrigin(e)!);

describe('a company ERP address against the operator allow-list', () => {
  const list = allow('https://*.cmiccloud.com', 'https://erp.example.com:8443', 'http://127.0.0.1:*');

  it.each([
    ['a subdomain of a wildcard entry', 'https://acme.cmiccloud.com'],
    ['a deeper subdomain with a path', 'https://eu.acme.cmiccloud.com/cmic-api/'],
    ['the default port written out', 'https://acme.cmiccloud.com:443'],
    ['the exact host and port', 'https://erp.example.com:8443'],
    ['any port where the entry says *', 'http://127.0.0.1:3010'],
  ])('accepts %s', (_what, url) => {
    expect(customerErpUrlProblem(url, list)).toBeNull();
  });

  it.each([
    ['the wildcard domain itself', 'https://cmiccloud.com', 'not on the platform'],
    ['a look-alike domain', 'https://acme.cmiccloud.com.evil.net', 'not on the platform'],
    ['http where the entry says https', 'http://acme.cmiccloud.com', 'not on the platform'],
    ['another port', 'https://erp.example.com', 'not on the platform'],
    ['the metadata address', 'http://169.254.169.254', 'not on the platform'],
    ['credentials in the URL', 'https://u:p@acme.cmiccloud.com', 'must not carry credentials'],
    ['a query', 'https://acme.cmiccloud.com/?x=1', 'query'],
    ['another scheme', 'file:///etc/passwd', 'http or https'],
    ['no URL at all', 'acme', 'absolute URL'],
  ])('refuses %s', (_what, url, words) => {
    expect(customerErpUrlProblem(url, list)).toContain(words);
  });

  it('with an empty allow-list refuses every company address', () => {
    expect(customerErpUrlProblem('https://acme.cmiccloud.com', [])).toContain('not enabled');
  });

  it.each(['acme.cmiccloud.com', 'https://*.cmiccloud.com/path', 'ftp://host', 'https://a*b.com'])('does not read %s as an allow-list entry', (entry) => {
    expect(parseAllowedOrigin(entry)).toBeNull();
  });
});

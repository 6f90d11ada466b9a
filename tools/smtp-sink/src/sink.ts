import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseMail } from './mime';

export interface SinkMessage {
  /** Sequence number in this sink, from 1. */
  id: number;
  receivedAt: string;
  /** SMTP envelope: who the client said it was from and to. */
  envelope: { from: string | null; to: string[] };
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string | null;
  html: string | null;
  raw: string;
}

export interface SmtpSinkOptions {
  /** 0 picks a free port. */
  smtpPort?: number;
  /** 0 picks a free port. */
  httpPort?: number;
  host?: string;
  /** Oldest messages are dropped beyond this many. */
  maxMessages?: number;
}

export interface SmtpSink {
  smtpPort: number;
  httpUrl: string;
  /** Received messages, oldest first (a live array). */
  messages: SinkMessage[];
  clear(): void;
  stop(): Promise<void>;
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function renderIndex(messages: SinkMessage[]): string {
  const rows = [...messages]
    .reverse()
    .map(
      (m) => `<article>
  <h2>${escapeHtml(m.subject || '(no subject)')}</h2>
  <p><b>To:</b> ${escapeHtml(m.to)} &nbsp; <b>From:</b> ${escapeHtml(m.from)} &nbsp; <b>Received:</b> ${escapeHtml(m.receivedAt)}
  ${m.html !== null ? ` &nbsp; <a href="/messages/${m.id}/html">HTML version</a>` : ''} &nbsp; <a href="/messages/${m.id}/raw">raw</a></p>
  <pre>${escapeHtml(m.text ?? '')}</pre>
</article>`,
    )
    .join('\n<hr>\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>SMTP sink (${messages.length})</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style>
</head><body><h1>Mail received by the SMTP sink (${messages.length})</h1>
${rows || '<p>No mail yet.</p>'}
</body></html>`;
}

function listen(server: { listen(port: number, host: string, cb: () => void): unknown; once(e: 'error', cb: (err: Error) => void): unknown }, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

/** Starts an SMTP server that keeps every message in memory and shows them over HTTP. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 1000;
  const messages: SinkMessage[] = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    // Any credentials are accepted: the sink stands in for a real relay in development.
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseMail(raw);
        messages.push({
          id: nextId++,
          receivedAt: new Date().toISOString(),
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          messageId: parsed.messageId,
          from: parsed.from,
          to: parsed.to,
          subject: parsed.subject,
          text: parsed.text,
          html: parsed.html,
          raw,
        });
        if (messages.length > maxMessages) messages.splice(0, messages.length - maxMessages);
        callback();
      });
    },
  });

  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const send = (status: number, type: string, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, ...extra });
      res.end(body);
    };
    if (req.method === 'GET' && url.pathname === '/') return send(200, 'text/html; charset=utf-8', renderIndex(messages));
    if (req.method === 'GET' && url.pathname === '/messages') {
      return send(200, 'application/json', JSON.stringify(messages.map(({ raw: _raw, ...m }) => m)));
    }
    if (req.method === 'DELETE' && url.pathname === '/messages') {
      messages.length = 0;
      return send(204, 'text/plain', '');
    }
    const one = /^\/messages\/(\d+)(\/html|\/raw)?$/.exec(url.pathname);
    const message = one ? messages.find((m) => m.id === Number(one[1])) : undefined;
    if (req.method === 'GET' && one && message) {
      if (one[2] === '/html') {
        // The mail's own HTML, sandboxed so it cannot run scripts against the sink.
        return send(200, 'text/html; charset=utf-8', message.html ?? '', { 'content-security-policy': 'sandbox' });
      }
      if (one[2] === '/raw') return send(200, 'text/plain; charset=utf-8', message.raw);
      const { raw: _raw, ...rest } = message;
      return send(200, 'application/json', JSON.stringify(rest));
    }
    send(404, 'application/json', JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'No such route' }));
  });

  // A client that vanishes mid-conversation (a sender killed -9) resets its socket; the server reports it
  // as an 'error' event, which must not bring the process down.
  smtp.on('error', () => undefined);
  await listen(smtp.server, options.smtpPort ?? 0, host);
  await listen(web, options.httpPort ?? 0, host);

  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    httpUrl: `http://${host}:${(web.address() as AddressInfo).port}`,
    messages,
    clear: () => {
      messages.length = 0;
    },
    stop: async () => {
      web.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => web.close(() => resolve())),
      ]);
    },
  };
}

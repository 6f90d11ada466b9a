import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  messageId: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
}

export type SmtpBehaviour = 'accept' | 'refuse-temporarily' | 'refuse-address';

/** A real SMTP server for tests that records each accepted mail, decoded, and can be told to refuse. */
export interface TestSmtpServer {
  port: number;
  mails: ReceivedMail[];
  /** Mails offered while refusing. */
  refused: number;
  behave(mode: SmtpBehaviour): void;
  /** Runs once a mail is received and recorded, before the server answers that it accepted it (e.g. to cut the sender's database meanwhile). */
  beforeAnswering: ((mail: ReceivedMail) => Promise<void>) | null;
  stop(): Promise<void>;
}

function headersAndBody(raw: string): { headers: Record<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const headers: Record<string, string> = {};
  let last = '';
  for (const line of text.slice(0, split).split('\n')) {
    if (/^\s/.test(line)) headers[last] += ' ' + line.trim();
    else {
      const colon = line.indexOf(':');
      last = line.slice(0, colon).toLowerCase();
      headers[last] = line.slice(colon + 1).trim();
    }
  }
  return { headers, body: text.slice(split + 2) };
}

function qp(input: string): string {
  const soft = input.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

const decodeWords = (value: string): string =>
  value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')),
    );

function decodePart(part: { headers: Record<string, string>; body: string }): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '').toLowerCase();
  const body = part.body.replace(/\n$/, '');
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return qp(body);
  return body;
}

export function parseMail(raw: string, envelopeTo: string[]): ReceivedMail {
  const root = headersAndBody(raw);
  let text = '';
  let html = '';
  const boundary = /boundary="?([^";]+)"?/.exec(root.headers['content-type'] ?? '')?.[1];
  const parts = boundary
    ? root.body.split(`--${boundary}`).slice(1, -1).map((chunk) => headersAndBody(chunk.replace(/^\n/, '')))
    : [root];
  for (const part of parts) {
    const type = part.headers['content-type'] ?? 'text/plain';
    if (type.startsWith('text/plain')) text = decodePart(part);
    if (type.startsWith('text/html')) html = decodePart(part);
  }
  return {
    envelopeTo,
    messageId: root.headers['message-id'] ?? '',
    to: decodeWords(root.headers['to'] ?? ''),
    from: decodeWords(root.headers['from'] ?? ''),
    subject: decodeWords(root.headers['subject'] ?? ''),
    text,
    html,
  };
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  let mode: SmtpBehaviour = 'accept';
  const state: TestSmtpServer = {
    port: 0,
    mails: [],
    refused: 0,
    behave: (next) => {
      mode = next;
    },
    beforeAnswering: null,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 500,
    disableReverseLookup: true,
    onRcptTo: (_address, _session, callback) => {
      if (mode === 'refuse-address') {
        state.refused++;
        return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      }
      callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (mode === 'refuse-temporarily') {
          state.refused++;
          return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
        }
        const mail = parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map((r) => r.address));
        state.mails.push(mail);
        const hook = state.beforeAnswering;
        if (!hook) return callback();
        hook(mail).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.port = (server.server.address() as AddressInfo).port;
  return state;
}

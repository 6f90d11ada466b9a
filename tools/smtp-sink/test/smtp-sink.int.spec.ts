import nodemailer from 'nodemailer';
import { startSmtpSink, type SmtpSink } from '../src';

describe('SMTP sink', () => {
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink({ smtpPort: 0, httpPort: 0 });
  });

  afterAll(async () => {
    await sink.stop();
  });

  beforeEach(() => sink.clear());

  async function sendSample(): Promise<void> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.smtpPort, secure: false, ignoreTLS: true });
    await transport.sendMail({
      from: '"Budget ERP" <notifications@example.test>',
      to: '"Ana Müller" <ana@example.test>',
      subject: 'Budget “Tower A” was rejected',
      messageId: '<evt-1.user-1@budget-erp>',
      text: 'Reason: cost code 01-100 is wrong.\n' + 'long line '.repeat(20),
      html: '<p>Reason: <b>cost code 01-100 &lt;wrong&gt;</b></p>',
    });
    transport.close();
  }

  it('when a mail is sent over SMTP, lists it decoded at GET /messages', async () => {
    await sendSample();

    const response = await fetch(`${sink.httpUrl}/messages`);
    const messages = (await response.json()) as Array<Record<string, unknown>>;

    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      envelope: { from: 'notifications@example.test', to: ['ana@example.test'] },
      messageId: '<evt-1.user-1@budget-erp>',
      subject: 'Budget “Tower A” was rejected',
      text: 'Reason: cost code 01-100 is wrong.\n' + 'long line '.repeat(20),
      html: '<p>Reason: <b>cost code 01-100 &lt;wrong&gt;</b></p>',
    });
    expect(messages[0]!.to).toContain('ana@example.test');
    expect(sink.messages[0]!.raw).toContain('Message-ID: <evt-1.user-1@budget-erp>');
  });

  it('when a developer opens the index page, shows each mail with its subject and text escaped', async () => {
    await sendSample();

    const page = await (await fetch(`${sink.httpUrl}/`)).text();

    expect(page).toContain('Budget “Tower A” was rejected');
    expect(page).toContain('ana@example.test');
    expect(page).toContain('Reason: cost code 01-100 is wrong.');
    expect(page).toContain(`<a href="/messages/${sink.messages[0]!.id}/html">`);
  });

  it('when the HTML version is opened, serves the mail body sandboxed', async () => {
    await sendSample();

    const response = await fetch(`${sink.httpUrl}/messages/${sink.messages[0]!.id}/html`);

    expect(response.headers.get('content-security-policy')).toBe('sandbox');
    expect(await response.text()).toBe('<p>Reason: <b>cost code 01-100 &lt;wrong&gt;</b></p>');
  });

  it('when the client logs in with any credentials over plain SMTP, accepts its mail', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: sink.smtpPort,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'dev', pass: 'anything' },
    });

    await transport.sendMail({ from: 'a@example.test', to: 'b@example.test', subject: 'With login', text: 'hi' });
    transport.close();

    expect(sink.messages.map((m) => m.subject)).toEqual(['With login']);
  });

  it('when the messages are deleted, the list is empty', async () => {
    await sendSample();

    const deleted = await fetch(`${sink.httpUrl}/messages`, { method: 'DELETE' });
    const after = (await (await fetch(`${sink.httpUrl}/messages`)).json()) as unknown[];

    expect(deleted.status).toBe(204);
    expect(after).toEqual([]);
  });
});

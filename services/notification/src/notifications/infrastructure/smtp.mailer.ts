import nodemailer, { type Transporter } from 'nodemailer';
import { MailSendError, type Mailer, type OutgoingEmail } from '../application/ports';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  /** Connection, greeting and socket timeout: bounded so a claim lease always outlives one send. */
  timeoutMs: number;
  /** Pooled connections kept open to the server. */
  maxConnections: number;
}

/** Sends through an SMTP server with nodemailer. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: settings.maxConnections,
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ignoreTLS: !settings.secure && !settings.user,
      auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to: { name: email.to.name, address: email.to.address },
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
      });
    } catch (error) {
      const { responseCode, command } = error as { responseCode?: number; command?: string };
      // Only the recipient's address being refused is permanent; any other refusal (auth, relay,
      // a server rejecting all mail) is an outage of ours and is retried until it is over.
      const addressRefused = command === 'RCPT TO' && typeof responseCode === 'number' && responseCode >= 500;
      throw new MailSendError((error as Error).message, addressRefused);
    }
  }

  close(): void {
    this.transport.close();
  }
}

import nodemailer, { type Transporter } from 'nodemailer';
import { PermanentError } from '../../messages/errors';
import type { MailSender, OutgoingMail } from '../../messages/ports';

/** E-mail over SMTP (nodemailer, pooled connections). A 5xx answer is permanent; the rest retried. */
export class SmtpMailSender implements MailSender {
  private readonly transport: Transporter;
  private readonly from: string;

  constructor(opts: { smtpUrl: string; from: string; timeoutMs?: number }) {
    this.from = opts.from;
    const url = new URL(opts.smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      // Loopback and test servers often have no certificate; `?tls=insecure` allows that explicitly.
      tls: url.searchParams.get('tls') === 'insecure' ? { rejectUnauthorized: false } : undefined,
      ignoreTLS: url.searchParams.get('starttls') === 'off',
      pool: true,
      maxConnections: 5,
      connectionTimeout: opts.timeoutMs ?? 10_000,
      greetingTimeout: opts.timeoutMs ?? 10_000,
      socketTimeout: (opts.timeoutMs ?? 10_000) * 3,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
        attachments: mail.attachments.map((a) => ({ filename: a.fileName, contentType: a.contentType, content: Buffer.from(a.content) })),
      });
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      if (typeof code === 'number' && code >= 500 && code < 600) throw new PermanentError('mail-rejected', `SMTP ${code}: ${(err as Error).message}`);
      throw err;
    }
  }

  close(): void {
    this.transport.close();
  }
}

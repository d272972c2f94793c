import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { WebhookRejected } from '../../messages/errors';
import type { WebhookSender } from '../../messages/ports';

/**
 * POSTs a signed body; 2xx is success, anything else (or no answer in time) is retried.
 * node:http with keep-alive agents: far less CPU per request than fetch at hundreds a second.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly http = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly opts: { timeoutMs: number }) {}

  post(url: string, body: string, headers: Record<string, string>): Promise<void> {
    const secure = url.startsWith('https:');
    const payload = Buffer.from(body);
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: secure ? this.https : this.http,
          headers: { 'user-agent': 'Switchboard-Webhook/1', 'content-length': payload.length, ...headers },
          timeout: this.opts.timeoutMs,
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          res.on('end', () => (status >= 200 && status < 300 ? resolve() : reject(new WebhookRejected(status, `webhook answered ${status}`))));
          res.on('error', (err) => reject(new WebhookRejected(0, `webhook answer cut off: ${err.message}`)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)));
      req.on('error', (err) => reject(new WebhookRejected(0, `no answer from the webhook: ${err.message}`)));
      req.end(payload);
    });
  }
}

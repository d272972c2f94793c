import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isWav } from '../../messages/audio';
import { PermanentError } from '../../messages/errors';
import type { RecordingSource } from '../../messages/ports';

/**
 * Stored recordings over ARI: `GET /ari/recordings/stored/{name}/file` for the bytes, and
 * `GET /ari/recordings/stored/{name}` for the format when the file is not a WAV. A 404 is
 * permanent (the recording is gone); anything else is retried.
 */
export class AriRecordingSource implements RecordingSource {
  private readonly base: string;
  private readonly auth: string;
  private readonly secure: boolean;
  private readonly agent: Agent | HttpsAgent;

  constructor(private readonly opts: { url: string; user: string; password: string; timeoutMs: number }) {
    this.base = opts.url.replace(/\/+$/, '') + '/ari/recordings/stored/';
    this.auth = 'Basic ' + Buffer.from(`${opts.user}:${opts.password}`).toString('base64');
    this.secure = opts.url.startsWith('https:');
    this.agent = this.secure ? new HttpsAgent({ keepAlive: true, maxSockets: 32 }) : new Agent({ keepAlive: true, maxSockets: 32 });
  }

  async fetch(name: string): Promise<{ bytes: Uint8Array; format: string }> {
    const path = encodeURIComponent(name);
    const bytes = await this.get(`${path}/file`);
    if (isWav(bytes)) return { bytes, format: 'wav' };
    const meta = JSON.parse(Buffer.from(await this.get(path)).toString()) as { format?: string };
    return { bytes, format: meta.format ?? '' };
  }

  private get(path: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const req = (this.secure ? httpsRequest : httpRequest)(
        this.base + path,
        { agent: this.agent, headers: { authorization: this.auth }, timeout: this.opts.timeoutMs },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new Error(`ARI recording download cut off: ${err.message}`)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(Buffer.concat(chunks));
            else if (status === 404) reject(new PermanentError('recording-not-found', 'Asterisk has no such stored recording'));
            else reject(new Error(`ARI GET recordings/stored/${path} -> ${status}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)));
      req.on('error', (err) => reject(new Error(`ARI recordings unreachable: ${err.message}`)));
      req.end();
    });
  }
}

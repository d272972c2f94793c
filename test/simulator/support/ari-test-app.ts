import WebSocket from 'ws';

/** A bare ARI app for simulator tests: REST with fetch, events over the WebSocket. */
export class AriTestApp {
  readonly events: any[] = [];
  private ws!: WebSocket;
  private waiters: Array<{ match: (e: any) => boolean; resolve: (e: any) => void }> = [];

  constructor(
    readonly url: string,
    readonly app: string,
    private readonly auth = 'asterisk:asterisk',
  ) {}

  async connect(): Promise<void> {
    this.ws = new WebSocket(`${this.url.replace('http', 'ws')}/ari/events?app=${this.app}&api_key=${this.auth}`);
    this.ws.on('message', (data) => {
      const e = JSON.parse(data.toString());
      this.events.push(e);
      for (const w of [...this.waiters]) {
        if (w.match(e)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
  }

  async disconnect(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise((r) => {
      this.ws.once('close', r);
      this.ws.close();
    });
  }

  next(match: (e: any) => boolean, timeoutMs = 5000): Promise<any> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          reject(new Error('timed out waiting for an event'));
        }
      }, timeoutMs);
    });
  }

  async request(method: string, path: string, query: Record<string, string | number> = {}, body?: unknown): Promise<{ status: number; body: any }> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    const res = await fetch(`${this.url}/ari${path}${qs ? '?' + qs : ''}`, {
      method,
      headers: { authorization: 'Basic ' + Buffer.from(this.auth).toString('base64'), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
}

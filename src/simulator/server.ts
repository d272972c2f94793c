import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { bridgeJson, channelJson, REASON_CAUSE, type PhoneBehaviour } from './model';
import { SimError, type SimulatedPbx } from './pbx';
import { silentWav } from './wav';

type Params = Record<string, string>;
type Handler = (m: RegExpMatchArray, p: Params, body: Record<string, unknown>) => unknown;
export type RequestListener = (method: string, path: string, atNs: bigint) => void;

const DOCS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ari-api-docs');
const NO_CONTENT = Symbol('no-content');

/** ARI over HTTP and WebSocket, plus the /sim control API, in front of a SimulatedPbx. */
export class AriServer {
  readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<string, WebSocket>();
  private readonly routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [];
  private readonly requestListeners = new Set<RequestListener>();
  private baseUrl = '';

  constructor(
    private readonly pbx: SimulatedPbx,
    private readonly auth: { user: string; password: string },
  ) {
    this.http = createServer((req, res) => void this.onRequest(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as never, head));
    pbx.deliver = (app, event) => {
      const ws = this.sockets.get(app);
      if (ws && ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
    };
    this.defineAri();
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(port, host, resolve));
    const address = this.http.address() as { port: number };
    this.baseUrl = `http://${host}:${address.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.values()) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  /**
   * Every HTTP request (ARI and /sim), as it arrives: method, path as sent without the query
   * string, and process.hrtime.bigint() when its headers were parsed (before the body is read or
   * the route runs). For the bench and tests; a listener that throws is ignored.
   */
  onRequestReceived(listener: RequestListener): () => void {
    this.requestListeners.add(listener);
    return () => this.requestListeners.delete(listener);
  }

  dropWebSockets(): void {
    for (const ws of [...this.sockets.values()]) ws.terminate();
  }

  route(method: string, pattern: string, handler: Handler): void {
    const regex = new RegExp('^' + pattern.replace(/\{[a-zA-Z]+\}/g, '([^/]+)') + '$');
    this.routes.push({ method, pattern: regex, handler });
  }

  private authorised(req: IncomingMessage, url: URL): boolean {
    const key = url.searchParams.get('api_key');
    if (key) return key === `${this.auth.user}:${this.auth.password}`;
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    return Buffer.from(header.slice(6), 'base64').toString() === `${this.auth.user}:${this.auth.password}`;
  }

  private onUpgrade(req: IncomingMessage, socket: import('node:net').Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/ari/events' || !this.authorised(req, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    const app = url.searchParams.get('app');
    if (!app) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const previous = this.sockets.get(app);
      if (previous) {
        // A second socket for the same app takes it over.
        previous.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: new Date().toISOString(), application: app, asterisk_id: this.pbx.opts.asteriskId }));
        previous.close();
      }
      this.sockets.set(app, ws);
      this.pbx.connectedApps.add(app);
      ws.on('close', () => {
        if (this.sockets.get(app) === ws) {
          this.sockets.delete(app);
          this.pbx.connectedApps.delete(app);
        }
      });
      ws.on('error', () => undefined);
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.requestListeners.size > 0) {
      const atNs = process.hrtime.bigint();
      const path = (req.url ?? '/').split('?')[0];
      for (const l of this.requestListeners) {
        try {
          l(req.method ?? '', path, atNs);
        } catch {
          // a bench or test hook never breaks the PBX
        }
      }
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      if (body === NO_CONTENT) {
        res.writeHead(status === 200 ? 204 : status).end();
        return;
      }
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    };
    try {
      if (url.pathname.startsWith('/ari/') && !url.pathname.startsWith('/ari/api-docs') && !this.authorised(req, url)) {
        send(401, { message: 'Authentication required' });
        return;
      }
      const raw = await readBody(req);
      let body: Record<string, unknown> = {};
      if (raw) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          send(400, { message: 'Invalid JSON body' });
          return;
        }
      }
      const params: Params = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      for (const [k, v] of Object.entries(body)) if (typeof v !== 'object') params[k] ??= String(v);
      for (const r of this.routes) {
        if (r.method !== req.method) continue;
        const m = url.pathname.match(r.pattern);
        if (!m) continue;
        const result = r.handler(m.map((x) => decodeURIComponent(x ?? '')) as unknown as RegExpMatchArray, params, body);
        if (result instanceof Buffer) {
          res.writeHead(200, { 'content-type': 'audio/wav' }).end(result);
          return;
        }
        send(r.method === 'POST' && /\/play(\/|$)/.test(url.pathname) ? 201 : 200, result ?? NO_CONTENT);
        return;
      }
      send(404, { message: 'Resource not found' });
    } catch (err) {
      if (err instanceof SimError) send(err.status, { message: err.message });
      else send(500, { message: 'Internal Server Error' });
    }
  }

  private defineAri(): void {
    const pbx = this.pbx;
    const A = '/ari';
    const required = (p: Params, name: string) => {
      if (!p[name]) throw new SimError(400, `Missing required parameter: ${name}`);
      return p[name];
    };

    // api-docs, so generic ARI clients can load the resources
    this.route('GET', `${A}/api-docs/([a-zA-Z]+)\\.json`, (m) => {
      const file = path.join(DOCS_DIR, `${m[1]}.json`);
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        throw new SimError(404, 'Resource not found');
      }
      doc.basePath = `${this.baseUrl}/ari`;
      return doc;
    });

    this.route('GET', `${A}/asterisk/info`, () => ({
      build: { os: 'Linux', kernel: 'simulated', machine: 'x86_64', options: 'OPTIONAL_API', date: '2026-11-22 10:03:41 UTC', user: 'root' },
      system: { version: '22.11.0-rc1', entity_id: pbx.opts.asteriskId },
      config: { name: pbx.opts.systemName, default_language: 'en', setid: { user: '', group: '' } },
      status: { startup_time: startedAt, last_reload_time: startedAt },
    }));
    const startedAt = new Date().toISOString().replace('Z', '+0000');

    const appJson = (name: string) => ({
      name,
      channel_ids: pbx.liveChannels().filter((c) => c.stasisApp === name).map((c) => c.id),
      bridge_ids: [...pbx.bridges.values()].filter((b) => b.app === name).map((b) => b.id),
      endpoint_ids: [...(pbx.subscriptions.get(name) ?? [])].filter((s) => s.startsWith('endpoint:')).map((s) => s.slice(9)),
      device_names: [],
      events_allowed: [],
      events_disallowed: [],
    });
    this.route('GET', `${A}/applications`, () => [...pbx.connectedApps].map(appJson));
    this.route('GET', `${A}/applications/{app}`, (m) => {
      if (!pbx.connectedApps.has(m[1])) throw new SimError(404, 'Application not found');
      return appJson(m[1]);
    });
    this.route('POST', `${A}/applications/{app}/subscription`, (m, p) => {
      if (!pbx.connectedApps.has(m[1])) throw new SimError(404, 'Application not found');
      const source = required(p, 'eventSource');
      if (!/^(channel|bridge|endpoint|deviceState):/.test(source)) throw new SimError(400, 'Invalid event source');
      const set = pbx.subscriptions.get(m[1]) ?? new Set<string>();
      set.add(source);
      pbx.subscriptions.set(m[1], set);
      return appJson(m[1]);
    });
    this.route('DELETE', `${A}/applications/{app}/subscription`, (m, p) => {
      pbx.subscriptions.get(m[1])?.delete(required(p, 'eventSource'));
      return appJson(m[1]);
    });

    // channels
    this.route('GET', `${A}/channels`, () => pbx.liveChannels().filter((c) => !c.fellBack || c.alive).map(channelJson));
    const originate = (p: Params, channelId?: string) =>
      channelJson(
        pbx.originate({
          channelId: channelId ?? p.channelId,
          endpoint: required(p, 'endpoint'),
          app: p.app,
          appArgs: p.appArgs,
          callerId: p.callerId,
          timeout: p.timeout ? Number(p.timeout) : 30,
        }),
      );
    this.route('POST', `${A}/channels`, (_m, p) => originate(p));
    // Before /channels/{channelId}, which would otherwise take "create" for an id.
    this.route('POST', `${A}/channels/create`, (_m, p, body) =>
      channelJson(
        pbx.create({
          endpoint: required(p, 'endpoint'),
          app: required(p, 'app'),
          appArgs: p.appArgs,
          channelId: p.channelId,
          otherChannelId: p.otherChannelId,
          originator: p.originator,
          formats: p.formats,
          variables: typeof body.variables === 'object' && body.variables !== null ? (body.variables as Record<string, unknown>) : undefined,
        }),
      ),
    );
    this.route('POST', `${A}/channels/{channelId}`, (m, p) => originate(p, m[1]));
    this.route('GET', `${A}/channels/{channelId}`, (m) => channelJson(pbx.channel(m[1])));
    this.route('DELETE', `${A}/channels/{channelId}`, (m, p) => {
      if (p.reason_code && p.reason) throw new SimError(400, 'Only one of reason_code and reason may be given');
      const cause = p.reason_code ? Number(p.reason_code) : p.reason ? REASON_CAUSE[p.reason] : 16;
      if (cause === undefined || Number.isNaN(cause)) throw new SimError(400, 'Invalid reason for hangup provided');
      pbx.hangupByApp(m[1], cause);
      return NO_CONTENT;
    });
    this.route('POST', `${A}/channels/{channelId}/dial`, (m, p) => {
      pbx.dial(m[1], { caller: p.caller, timeout: p.timeout ? Math.max(0, Math.trunc(Number(p.timeout)) || 0) : 0 });
      return NO_CONTENT;
    });
    this.route('POST', `${A}/channels/{channelId}/answer`, (m) => (pbx.answer(m[1]), NO_CONTENT));
    this.route('POST', `${A}/channels/{channelId}/ring`, (m) => (pbx.ring(m[1], true), NO_CONTENT));
    this.route('DELETE', `${A}/channels/{channelId}/ring`, (m) => (pbx.ring(m[1], false), NO_CONTENT));
    this.route('POST', `${A}/channels/{channelId}/moh`, (m, p) => (pbx.setMoh(m[1], p.mohClass || 'default'), NO_CONTENT));
    this.route('DELETE', `${A}/channels/{channelId}/moh`, (m) => (pbx.setMoh(m[1], null), NO_CONTENT));
    this.route('POST', `${A}/channels/{channelId}/hold`, (m) => (pbx.channel(m[1]), NO_CONTENT));
    this.route('DELETE', `${A}/channels/{channelId}/hold`, (m) => (pbx.channel(m[1]), NO_CONTENT));
    this.route('POST', `${A}/channels/{channelId}/dtmf`, (m, p) => {
      const c = pbx.channel(m[1]);
      if (!c.stasisApp) throw new SimError(409, 'Channel not in Stasis application');
      required(p, 'dtmf');
      return NO_CONTENT;
    });
    const play = (channelId: string, p: Params, playbackId?: string) =>
      pbx.playbackJson(pbx.play({ channelId }, required(p, 'media').split(','), playbackId ?? p.playbackId), 'queued');
    this.route('POST', `${A}/channels/{channelId}/play`, (m, p) => play(m[1], p));
    this.route('POST', `${A}/channels/{channelId}/play/{playbackId}`, (m, p) => play(m[1], p, m[2]));
    this.route('POST', `${A}/channels/{channelId}/record`, (m, p) => {
      const r = pbx.record(m[1], {
        name: required(p, 'name'),
        format: required(p, 'format'),
        maxDurationSeconds: p.maxDurationSeconds ? Number(p.maxDurationSeconds) : 0,
        terminateOn: p.terminateOn,
        ifExists: p.ifExists,
      });
      return pbx.recordingJson(r, 'queued');
    });
    this.route('GET', `${A}/channels/{channelId}/variable`, (m, p) => {
      const c = pbx.channel(m[1]);
      const name = required(p, 'variable');
      if (!(name in c.variables)) throw new SimError(404, 'Provided variable was not found');
      return { value: c.variables[name] };
    });
    this.route('POST', `${A}/channels/{channelId}/variable`, (m, p) => (pbx.setVariable(m[1], required(p, 'variable'), p.value ?? ''), NO_CONTENT));

    // bridges
    this.route('GET', `${A}/bridges`, () => [...pbx.bridges.values()].map(bridgeJson));
    const createBridge = (p: Params, bridgeId?: string) =>
      bridgeJson(pbx.createBridge({ bridgeId: bridgeId ?? p.bridgeId, type: p.type, name: p.name, app: pbx.opts.stasisApp }));
    this.route('POST', `${A}/bridges`, (_m, p) => createBridge(p));
    this.route('POST', `${A}/bridges/{bridgeId}`, (m, p) => createBridge(p, m[1]));
    this.route('GET', `${A}/bridges/{bridgeId}`, (m) => bridgeJson(pbx.bridge(m[1])));
    this.route('DELETE', `${A}/bridges/{bridgeId}`, (m) => (pbx.destroyBridge(m[1]), NO_CONTENT));
    this.route('POST', `${A}/bridges/{bridgeId}/addChannel`, (m, p) => (pbx.addToBridge(m[1], required(p, 'channel').split(',')), NO_CONTENT));
    this.route('POST', `${A}/bridges/{bridgeId}/removeChannel`, (m, p) => (pbx.removeFromBridge(m[1], required(p, 'channel')), NO_CONTENT));
    this.route('POST', `${A}/bridges/{bridgeId}/moh`, (m, p) => (pbx.setBridgeMoh(m[1], p.mohClass || 'default'), NO_CONTENT));
    this.route('DELETE', `${A}/bridges/{bridgeId}/moh`, (m) => {
      if (!pbx.bridge(m[1]).moh) throw new SimError(409, 'Bridge is not playing music on hold');
      pbx.setBridgeMoh(m[1], null);
      return NO_CONTENT;
    });
    this.route('POST', `${A}/bridges/{bridgeId}/play`, (m, p) => pbx.playbackJson(pbx.play({ bridgeId: m[1] }, required(p, 'media').split(','), p.playbackId), 'queued'));

    // endpoints
    this.route('GET', `${A}/endpoints`, () => [...pbx.phones.keys()].map((n) => pbx.endpointJson(n)));
    this.route('GET', `${A}/endpoints/{tech}`, (m) => {
      if (m[1] !== 'PJSIP') throw new SimError(404, 'Endpoints not found');
      return [...pbx.phones.keys()].map((n) => pbx.endpointJson(n));
    });
    this.route('GET', `${A}/endpoints/{tech}/{resource}`, (m) => {
      if (m[1] !== 'PJSIP' || !pbx.phones.has(m[2])) throw new SimError(404, 'Endpoint not found');
      return pbx.endpointJson(m[2]);
    });

    // playbacks and recordings
    this.route('GET', `${A}/playbacks/{playbackId}`, (m) => {
      const p = pbx.playbacks.get(m[1]);
      if (!p) throw new SimError(404, 'The playback cannot be found');
      return pbx.playbackJson(p);
    });
    this.route('DELETE', `${A}/playbacks/{playbackId}`, (m) => {
      const p = pbx.playbacks.get(m[1]);
      if (!p) throw new SimError(404, 'The playback cannot be found');
      pbx.finishPlayback(p);
      return NO_CONTENT;
    });
    this.route('GET', `${A}/recordings/live/{name}`, (m) => {
      const r = pbx.liveRecordings.get(m[1]);
      if (!r) throw new SimError(404, 'Recording not found');
      return pbx.recordingJson(r, 'recording');
    });
    this.route('POST', `${A}/recordings/live/{name}/stop`, (m) => {
      const r = pbx.liveRecordings.get(m[1]);
      if (!r) throw new SimError(404, 'Recording not found');
      pbx.finishRecording(r);
      return NO_CONTENT;
    });
    this.route('GET', `${A}/recordings/stored`, () => [...pbx.storedRecordings.values()].map((r) => ({ name: r.name, format: r.format })));
    this.route('GET', `${A}/recordings/stored/{name}`, (m) => {
      const r = pbx.storedRecordings.get(m[1]);
      if (!r) throw new SimError(404, 'Recording not found');
      return { name: r.name, format: r.format };
    });
    this.route('GET', `${A}/recordings/stored/{name}/file`, (m) => {
      const r = pbx.storedRecordings.get(m[1]);
      if (!r) throw new SimError(404, 'Recording not found');
      return silentWav(r.durationMs);
    });
    this.route('DELETE', `${A}/recordings/stored/{name}`, (m) => {
      if (!pbx.storedRecordings.delete(m[1])) throw new SimError(404, 'Recording not found');
      return NO_CONTENT;
    });
  }

  /** The /sim control API: the same operations the in-process control object offers. */
  defineControl(control: {
    placeCall: (o: { did: string; callerName: string; callerNumber: string }) => { channelId: string };
    setPhone: (name: string, b: PhoneBehaviour) => void;
    phone: (name: string) => unknown;
    phoneHangup: (name: string) => void;
    phoneAnswer: (name: string) => void;
    channel: (id: string) => unknown;
    channels: () => unknown;
    hangupCaller: (id: string) => void;
    sendDtmf: (id: string, digits: string) => void;
    dropWebSockets: () => void;
  }): void {
    const S = '/sim';
    this.route('POST', `${S}/calls`, (_m, _p, b) =>
      control.placeCall({ did: String(b.did ?? ''), callerName: String(b.callerName ?? ''), callerNumber: String(b.callerNumber ?? '') }),
    );
    this.route('POST', `${S}/phones/{name}`, (m, _p, b) => (control.setPhone(m[1], b as unknown as PhoneBehaviour), NO_CONTENT));
    this.route('GET', `${S}/phones/{name}`, (m) => control.phone(m[1]));
    this.route('POST', `${S}/phones/{name}/hangup`, (m) => (control.phoneHangup(m[1]), NO_CONTENT));
    this.route('POST', `${S}/phones/{name}/answer`, (m) => (control.phoneAnswer(m[1]), NO_CONTENT));
    this.route('GET', `${S}/channels`, () => control.channels());
    this.route('GET', `${S}/channels/{id}`, (m) => control.channel(m[1]) ?? (() => { throw new SimError(404, 'Channel not found'); })());
    this.route('POST', `${S}/channels/{id}/hangup`, (m) => (control.hangupCaller(m[1]), NO_CONTENT));
    this.route('POST', `${S}/channels/{id}/dtmf`, (m, p) => (control.sendDtmf(m[1], p.digits ?? ''), NO_CONTENT));
    this.route('POST', `${S}/websockets/drop`, () => (control.dropWebSockets(), NO_CONTENT));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) {
        reject(new SimError(413, 'Request too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}


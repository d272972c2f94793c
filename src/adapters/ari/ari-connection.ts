import { EventEmitter } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import WebSocket from 'ws';
import type { Logger } from 'pino';

export interface AriConnectionOptions {
  /** http://host:8088 (the /ari prefix is added here). */
  url: string;
  user: string;
  password: string;
  app: string;
  requestTimeoutMs?: number;
  heartbeatMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  logger: Logger;
}

/** An ARI answer other than 2xx. `status` 0 means no answer (timeout or connection refused). */
export class AriError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    message: string,
  ) {
    super(`${method} ${path} -> ${status || 'no answer'}: ${message}`);
    this.name = 'AriError';
  }
}

export interface AriEvent {
  type: string;
  [key: string]: unknown;
}

type Query = Record<string, string | number | boolean | undefined>;

/**
 * The one module that talks to Asterisk's ARI: REST over node:http with a timeout on every
 * request, and the event WebSocket, reconnected forever with capped backoff and a ping
 * heartbeat. Malformed or unknown events are logged and skipped; nothing here throws into the
 * event loop.
 *
 * Events: 'event' (AriEvent), 'connected' (every (re)connect), 'disconnected'.
 */
export class AriConnection extends EventEmitter {
  private readonly base: string;
  private readonly auth: string;
  private socket: WebSocket | null = null;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private connectedNow = false;
  reconnects = 0;
  private readonly secure: boolean;
  private readonly agent: Agent | HttpsAgent;

  constructor(private readonly opts: AriConnectionOptions) {
    super();
    this.base = opts.url.replace(/\/+$/, '') + '/ari';
    this.auth = 'Basic ' + Buffer.from(`${opts.user}:${opts.password}`).toString('base64');
    this.secure = /^https:/.test(opts.url);
    this.agent = this.secure ? new HttpsAgent({ keepAlive: true, maxSockets: 64 }) : new Agent({ keepAlive: true, maxSockets: 64 });
  }

  get isConnected(): boolean {
    return this.connectedNow;
  }

  async request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, query?: Query, body?: unknown): Promise<T> {
    let target = this.base + path;
    if (query) {
      let qs = '';
      for (const [k, v] of Object.entries(query)) {
        if (v !== undefined) qs += (qs ? '&' : '') + encodeURIComponent(k) + '=' + encodeURIComponent(String(v));
      }
      if (qs) target += '?' + qs;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      // node:http with a keep-alive agent: a fraction of fetch's CPU cost per request, which
      // matters at hundreds of ARI requests a second.
      const req = (this.secure ? httpsRequest : httpRequest)(
        target,
        {
          method,
          agent: this.agent,
          headers: payload === undefined ? { authorization: this.auth } : { authorization: this.auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          timeout: this.opts.requestTimeoutMs ?? 5000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new AriError(0, method, path, 'timed out')));
      req.on('error', (err) => reject(err instanceof AriError ? err : new AriError(0, method, path, err.message)));
      req.end(payload);
    });
    if (status < 200 || status >= 300) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        /* plain text body */
      }
      throw new AriError(status, method, path, message.slice(0, 200));
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.agent.destroy();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    this.connectedNow = false;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
        setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1000).unref();
      });
    }
  }

  /** Drops the event socket as a network fault would (operations and tests); it reconnects. */
  dropSocket(): void {
    this.socket?.terminate();
  }

  private connect(): void {
    // Credentials go in the Authorization header (Asterisk's HTTP server takes Basic auth on the
    // upgrade too), never in the URL, where proxies and access logs would keep them.
    const wsUrl = this.base.replace(/^http/, 'ws') + `/events?app=${encodeURIComponent(this.opts.app)}`;
    const socket = new WebSocket(wsUrl, { handshakeTimeout: this.opts.requestTimeoutMs ?? 5000, headers: { authorization: this.auth } });
    this.socket = socket;
    socket.on('open', () => {
      this.attempt = 0;
      this.connectedNow = true;
      this.startHeartbeat(socket);
      this.opts.logger.info({ app: this.opts.app }, 'ARI WebSocket connected');
      this.emit('connected');
    });
    socket.on('message', (data) => this.onMessage(data));
    socket.on('pong', () => {
      this.awaitingPong = false;
    });
    socket.on('error', (err) => {
      this.opts.logger.warn({ err: err.message }, 'ARI WebSocket error');
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopHeartbeat();
      const wasConnected = this.connectedNow;
      this.connectedNow = false;
      if (wasConnected) this.emit('disconnected');
      if (!this.stopped) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const initial = this.opts.reconnectInitialMs ?? 250;
    const max = this.opts.reconnectMaxMs ?? 10_000;
    const delay = Math.min(max, initial * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    this.reconnects += 1;
    this.opts.logger.info({ delayMs: Math.round(delay), attempt: this.attempt }, 'ARI WebSocket reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private startHeartbeat(socket: WebSocket): void {
    const every = this.opts.heartbeatMs ?? 10_000;
    this.awaitingPong = false;
    this.heartbeatTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.opts.logger.warn('ARI WebSocket heartbeat missed; reconnecting');
        socket.terminate();
        return;
      }
      this.awaitingPong = true;
      socket.ping();
    }, every);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private onMessage(data: WebSocket.RawData): void {
    let event: unknown;
    try {
      event = JSON.parse(data.toString());
    } catch {
      this.opts.logger.warn({ bytes: data.toString().length }, 'ARI event is not JSON; skipped');
      return;
    }
    if (!event || typeof event !== 'object' || typeof (event as AriEvent).type !== 'string') {
      this.opts.logger.warn('ARI event without a type; skipped');
      return;
    }
    try {
      this.emit('event', event as AriEvent);
    } catch (err) {
      this.opts.logger.error({ err, eventType: (event as AriEvent).type }, 'ARI event handler failed');
    }
  }
}

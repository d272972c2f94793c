import net from 'node:net';
import type { Logger } from 'pino';
import AsteriskManager from 'asterisk-manager';
import { field, MalformedAmiEvent, parseAmiEvent, unsafeActionField, type AmiActionFields, type AmiEvent, type AmiMessage } from './ami-protocol';

/*
 * The one module that imports asterisk-manager (0.2.0, unmaintained since 2020). We keep its
 * line parser and action formatter and replace what it lacks or gets wrong:
 * - keepConnected() retries after 10 s, then +10 s up to 60 s, and gives up after a refused
 *   login: we never call it; every connection attempt is a fresh Manager, retried by us with
 *   capped exponential backoff (first retry ~250 ms) until stop().
 * - Actions sent before login are held and replayed after the next login, however late:
 *   we refuse an action at once unless logged in, so nothing is ever held.
 * - No timeout: a callback waits forever for its ActionID. We time out every action, drop the
 *   library's listener, and fail everything pending at once when the connection goes.
 * - Header values are written as they are: a CR/LF in a caller name injects headers (a whole
 *   second action). We refuse such an action before anything is written (ami-protocol.ts).
 * - disconnect() only end()s an open socket and forgets a connecting one, so a hung Asterisk
 *   leaves half-closed sockets behind; the socket is not exposed. We capture it when the
 *   library creates it (see captureSocket) so we can destroy it.
 * - Listeners run from process.nextTick: a throw there is an uncaught exception. Ours are wrapped.
 * - No keepalive: we send Ping every keepaliveMs; a missed Pong forces a reconnect.
 */

export interface AmiClientOptions {
  host: string;
  port: number;
  user: string;
  secret: string;
  /** Every action fails with `ami-timeout` when no answer comes within this. Default 5000. */
  actionTimeoutMs?: number;
  /** A Ping is sent this often; a missed reply forces a reconnect. Default 10000; 0 disables. */
  keepaliveMs?: number;
  /** TCP connect, greeting and login must finish within this. Default 5000. */
  connectTimeoutMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  logger: Logger;
}

export type AmiErrorCode = 'ami-not-connected' | 'ami-disconnected' | 'ami-timeout' | 'ami-unsafe-header' | 'ami-action-failed';

/** Every failure of an action; `code` is stable, `response` is what Asterisk said (if it answered). */
export class AmiError extends Error {
  constructor(
    readonly code: AmiErrorCode,
    readonly action: string,
    message: string,
    readonly response?: AmiMessage,
  ) {
    super(`AMI ${action}: ${message}`);
    this.name = 'AmiError';
  }
}

export interface AmiListResult {
  response: AmiMessage;
  /** The list's events in order, without the closing `...Complete` event. */
  events: AmiMessage[];
}

/** What the AMI services need from a connection; the fakes in tests implement it too. */
export interface AmiSession {
  readonly isConnected: boolean;
  /** Sends one action; resolves to its `Response: Success` message (lower-case keys). */
  action(fields: AmiActionFields, opts?: { timeoutMs?: number }): Promise<AmiMessage>;
  /** Sends an action answered by an event list (`EventList: start` ... `EventList: Complete`). */
  actionList(fields: AmiActionFields, opts?: { timeoutMs?: number }): Promise<AmiListResult>;
  onEvent(listener: (event: AmiEvent) => void): () => void;
  /** After every successful login. */
  onConnected(listener: () => void): () => void;
  onDisconnected(listener: () => void): () => void;
}

type Manager = ReturnType<typeof AsteriskManager>;

interface Pending {
  action: string;
  resolve: (m: AmiMessage) => void;
  reject: (e: AmiError) => void;
  timer: NodeJS.Timeout;
  list: { response: AmiMessage | null; events: AmiMessage[]; done: (r: AmiListResult) => void } | null;
}

type State = 'stopped' | 'connecting' | 'ready' | 'waiting';

/**
 * asterisk-manager creates its socket inside connect() and keeps it private. connect() calls
 * net.createConnection synchronously, so for the duration of that one call we wrap it to keep
 * the socket it returns, then put it back. Nothing else can run in between.
 */
function captureSocket(connect: () => void): net.Socket | null {
  const netModule = net as unknown as { createConnection: (...args: unknown[]) => net.Socket };
  const original = netModule.createConnection;
  let captured: net.Socket | null = null;
  netModule.createConnection = (...args: unknown[]) => {
    captured = original.apply(net, args);
    return captured;
  };
  try {
    connect();
  } finally {
    netModule.createConnection = original;
  }
  return captured;
}

export class AmiConnection implements AmiSession {
  private state: State = 'stopped';
  private manager: Manager | null = null;
  private socket: net.Socket | null = null;
  /** Bumped on every attempt, so callbacks of an abandoned connection are ignored. */
  private generation = 0;
  private attempt = 0;
  private actionSeq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(event: AmiEvent) => void>();
  private readonly connectedListeners = new Set<() => void>();
  private readonly disconnectedListeners = new Set<() => void>();
  private connectTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private pingInFlight = false;
  reconnects = 0;

  constructor(private readonly opts: AmiClientOptions) {
    const unsafe = unsafeActionField({ Username: opts.user, Secret: opts.secret });
    if (unsafe) throw new AmiError('ami-unsafe-header', 'Login', unsafe.replace(/^header (Username|Secret)/, 'the AMI $1'));
  }

  get isConnected(): boolean {
    return this.state === 'ready';
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.connect();
  }

  /** Logs off politely (bounded), then closes; pending actions fail with `ami-disconnected`. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.state === 'ready') await this.action({ Action: 'Logoff' }, { timeoutMs: 500 }).catch(() => undefined);
    this.teardown('stopped');
    this.state = 'stopped';
  }

  /** Drops the connection as a network fault would (operations and tests); it reconnects. */
  dropConnection(): void {
    if (this.state === 'ready' || this.state === 'connecting') this.lost(this.generation, 'dropped on request');
  }

  onEvent(listener: (event: AmiEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  onDisconnected(listener: () => void): () => void {
    this.disconnectedListeners.add(listener);
    return () => this.disconnectedListeners.delete(listener);
  }

  action(fields: AmiActionFields, opts: { timeoutMs?: number } = {}): Promise<AmiMessage> {
    return this.send(fields, opts.timeoutMs, null);
  }

  actionList(fields: AmiActionFields, opts: { timeoutMs?: number } = {}): Promise<AmiListResult> {
    return new Promise<AmiListResult>((resolve, reject) => {
      this.send(fields, opts.timeoutMs, resolve).catch(reject);
    });
  }

  // ---- actions ----------------------------------------------------------------------------

  private send(fields: AmiActionFields, timeoutMs: number | undefined, listDone: ((r: AmiListResult) => void) | null): Promise<AmiMessage> {
    const name = typeof fields.Action === 'string' ? fields.Action : '(no action)';
    const unsafe = unsafeActionField(fields) ?? (typeof fields.Action === 'string' && fields.Action ? null : 'no Action');
    if (unsafe) {
      this.opts.logger.warn({ action: name, why: unsafe }, 'AMI action refused before sending');
      return Promise.reject(new AmiError('ami-unsafe-header', name, `refused: ${unsafe}`));
    }
    const manager = this.manager;
    if (this.state !== 'ready' || !manager) {
      return Promise.reject(new AmiError('ami-not-connected', name, 'not connected to Asterisk; the action was not sent'));
    }
    const id = `sb-${process.pid}-${++this.actionSeq}`;
    const wire: Record<string, string | undefined> = { actionid: id };
    for (const [k, v] of Object.entries(fields)) wire[k] = v === undefined ? undefined : String(v);
    const ms = timeoutMs ?? this.opts.actionTimeoutMs ?? 5000;
    return new Promise<AmiMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        manager.removeAllListeners(id);
        reject(new AmiError('ami-timeout', name, `no answer within ${ms} ms`));
      }, ms);
      this.pending.set(id, {
        action: name,
        resolve,
        reject,
        timer,
        list: listDone ? { response: null, events: [], done: listDone } : null,
      });
      try {
        manager.action(wire, (err, res) => this.safely(() => this.onResponse(id, err, res)));
      } catch (err) {
        this.settle(id)?.reject(new AmiError('ami-disconnected', name, `could not write: ${(err as Error).message}`));
      }
    });
  }

  private settle(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }

  private onResponse(id: string, err: AmiMessage | undefined, res: AmiMessage): void {
    const p = this.pending.get(id);
    if (!p) return;
    const response = err ?? res;
    if (err || (field(response, 'response') ?? '').toLowerCase() === 'error') {
      this.settle(id);
      p.reject(new AmiError('ami-action-failed', p.action, field(response, 'message') ?? 'Response: Error', response));
      return;
    }
    if (p.list) {
      p.list.response = response; // the events follow; completes on `EventList: Complete`
      return;
    }
    this.settle(id);
    p.resolve(response);
  }

  // ---- connection -------------------------------------------------------------------------

  private connect(): void {
    const gen = ++this.generation;
    this.state = 'connecting';
    const manager = AsteriskManager(undefined, this.opts.host, this.opts.user, this.opts.secret, true);
    this.manager = manager;
    manager.on('managerevent', (m: AmiMessage) => this.safely(() => gen === this.generation && this.onManagerEvent(m)));
    manager.on('close', () => this.safely(() => this.lost(gen, 'connection closed')));
    manager.on('error', (err: Error) => this.opts.logger.debug({ err: err.message }, 'AMI socket error'));
    this.socket = captureSocket(() => manager.connect(this.opts.port, this.opts.host, () => this.safely(() => this.login(gen))));
    this.connectTimer = setTimeout(() => this.lost(gen, 'connect and login timed out'), this.opts.connectTimeoutMs ?? 5000);
  }

  private login(gen: number): void {
    if (gen !== this.generation || !this.manager) return;
    this.manager.login((err?: AmiMessage) =>
      this.safely(() => {
        if (gen !== this.generation) return;
        if (err) {
          this.opts.logger.error({ message: field(err, 'message') }, 'AMI login refused; check the AMI user and secret');
          this.lost(gen, 'login refused');
          return;
        }
        if (this.connectTimer) clearTimeout(this.connectTimer);
        this.connectTimer = null;
        this.state = 'ready';
        this.attempt = 0;
        this.startKeepalive(gen);
        this.opts.logger.info({ host: this.opts.host, port: this.opts.port }, 'AMI connected');
        for (const l of this.connectedListeners) this.safely(l);
      }),
    );
  }

  /** The connection of generation `gen` is gone (or must go): clean up and try again later. */
  private lost(gen: number, why: string): void {
    if (gen !== this.generation || this.state === 'stopped' || this.state === 'waiting') return;
    const wasReady = this.state === 'ready';
    this.teardown('ami-disconnected');
    this.state = 'waiting';
    this.opts.logger.warn({ why }, wasReady ? 'AMI connection lost' : 'AMI connection attempt failed');
    if (wasReady) for (const l of this.disconnectedListeners) this.safely(l);
    const initial = this.opts.reconnectInitialMs ?? 250;
    const max = this.opts.reconnectMaxMs ?? 10_000;
    const delay = Math.min(max, initial * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    this.reconnects += 1;
    this.opts.logger.info({ delayMs: Math.round(delay), attempt: this.attempt }, 'AMI reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private teardown(reason: 'ami-disconnected' | 'stopped'): void {
    this.generation++;
    for (const t of [this.connectTimer, this.reconnectTimer]) if (t) clearTimeout(t);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.connectTimer = this.reconnectTimer = this.keepaliveTimer = null;
    this.pingInFlight = false;
    const manager = this.manager;
    const socket = this.socket;
    this.manager = null;
    this.socket = null;
    if (manager) {
      manager.removeAllListeners();
      manager.on('error', () => undefined); // the library emits 'error'; never let it throw
    }
    if (socket) socket.destroy();
    else manager?.disconnect();
    for (const id of [...this.pending.keys()]) {
      const p = this.settle(id)!;
      p.reject(new AmiError('ami-disconnected', p.action, reason === 'stopped' ? 'the AMI client was stopped' : 'the AMI connection was lost before an answer'));
    }
  }

  private startKeepalive(gen: number): void {
    const every = this.opts.keepaliveMs ?? 10_000;
    if (every <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      if (this.pingInFlight || gen !== this.generation) return;
      this.pingInFlight = true;
      this.action({ Action: 'Ping' }, { timeoutMs: Math.min(every, this.opts.actionTimeoutMs ?? 5000) }).then(
        () => {
          if (gen === this.generation) this.pingInFlight = false;
        },
        (err: AmiError) => {
          if (gen !== this.generation) return;
          this.pingInFlight = false;
          if (err.code === 'ami-timeout') this.lost(gen, 'keepalive Ping not answered');
        },
      );
    }, every);
    this.keepaliveTimer.unref();
  }

  // ---- events -----------------------------------------------------------------------------

  private onManagerEvent(m: AmiMessage): void {
    const actionId = field(m, 'actionid');
    const p = actionId ? this.pending.get(actionId) : undefined;
    if (p?.list) {
      if ((field(m, 'eventlist') ?? '').toLowerCase() === 'complete') {
        this.settle(actionId!);
        p.list.done({ response: p.list.response ?? {}, events: p.list.events });
      } else {
        p.list.events.push(m);
      }
      return;
    }
    let event: AmiEvent;
    try {
      event = parseAmiEvent(m);
    } catch (err) {
      if (!(err instanceof MalformedAmiEvent)) throw err;
      this.opts.logger.warn({ eventName: err.eventName, missing: err.missing }, 'malformed AMI event; skipped');
      return;
    }
    for (const l of this.eventListeners) this.safely(() => l(event));
  }

  private safely(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger.error({ err }, 'AMI handler failed');
    }
  }
}

export function createAmiClient(opts: AmiClientOptions): AmiConnection {
  return new AmiConnection(opts);
}

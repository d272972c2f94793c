import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { createPostgres, migrate, type PostgresAdapters } from '../../../src/adapters/postgres';
import { PostgresMessageStore } from '../../../src/adapters/postgres/messages';
import { createLogger } from '../../../src/logger';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const REPO = path.resolve(__dirname, '../../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A fresh PostgreSQL schema (migrated) and BullMQ prefix for one test, the call server's own
 * adapters on it (to write calls and voicemails exactly as the call server does) and a
 * message store to read results.
 */
export class TestDatabase {
  private constructor(
    readonly schema: string,
    readonly prefix: string,
    readonly pool: pg.Pool,
    readonly callServer: PostgresAdapters,
    readonly messages: PostgresMessageStore,
  ) {}

  static async open(): Promise<TestDatabase> {
    const tag = randomBytes(4).toString('hex');
    const schema = `workers_${tag}`;
    await migrate({ databaseUrl: DATABASE_URL, schema });
    const callServer = await createPostgres({ databaseUrl: DATABASE_URL, schema, logger: createLogger('silent'), callLogBatchMs: 5 });
    const pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 3 });
    return new TestDatabase(schema, `sbqtest-${tag}`, pool, callServer, new PostgresMessageStore(pool, 'our answering service'));
  }

  /** Environment for a worker on this schema and prefix, tuned for quick recovery in tests. */
  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL,
      DATABASE_SCHEMA: this.schema,
      REDIS_URL,
      WORKER_QUEUE_PREFIX: this.prefix,
      WORKER_LOCK_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '500',
      WORKER_SHUTDOWN_GRACE_MS: '5000',
      OUTBOX_POLL_MS: '50',
      OUTBOX_REQUEUE_MS: '2000',
      RETRY_BASE_MS: '50',
      RETRY_MAX_MS: '200',
      DELIVERY_LEASE_MS: '1500',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...extra,
    };
  }

  async seedClient(id: string, channels: Array<{ kind: 'email' | 'webhook'; target: string; secret?: string }>): Promise<void> {
    await this.callServer.directoryAdmin.upsertClient({
      id,
      name: `Client ${id}`,
      greeting: '',
      mohClass: 'default',
      holdPrompt: null,
      announcePosition: false,
      priorityTier: 0,
      maxWaitSeconds: 0,
      overflow: { kind: 'voicemail', mailbox: id, greeting: 'sound:vm-intro', maxSeconds: 60 },
      numbers: [],
    });
    for (const c of channels) await this.messages.upsertChannel({ clientId: id, ...c });
  }

  /** A call that went to voicemail, written through the call server's own call log. */
  async recordVoicemail(o: { callId: string; clientId: string; recording: string; callerName?: string; callerNumber?: string; did?: string; at?: number }): Promise<void> {
    const at = o.at ?? Date.now();
    const log = this.callServer.callLog;
    log.append({ kind: 'arrived', callId: o.callId, at: at - 30_000, clientId: o.clientId, did: o.did ?? '5035550100', caller: { name: o.callerName ?? 'Jane Caller', number: o.callerNumber ?? '+15035551234' }, knownNumber: false });
    log.append({ kind: 'overflowed', callId: o.callId, at: at - 20_000, treatment: 'voicemail', reason: 'max-wait', waitMs: 10_000 });
    log.append({ kind: 'voicemail-recorded', callId: o.callId, at, recording: o.recording });
    await log.flush();
  }

  async count(sql: string, params: unknown[] = []): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM (${sql}) x`, params);
    return rows[0].n;
  }

  async close(): Promise<void> {
    await this.callServer.close().catch(() => undefined);
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).catch(() => undefined);
    await this.pool.end();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

/** Serves ARI's stored recordings (`GET /ari/recordings/stored/{name}[/file]`); can hang to catch a worker mid-job. */
export class RecordingServer {
  readonly recordings = new Map<string, { bytes: Uint8Array; format: string }>();
  fileRequests = 0;
  hang = false;
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<RecordingServer> {
    let self: RecordingServer | null = null;
    const { server, url } = await listen((req, _body, res) => self!.handle(req, res));
    self = new RecordingServer(server, url);
    return self;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.authorization !== 'Basic ' + Buffer.from('switchboard:secret').toString('base64')) return void res.writeHead(401).end();
    const m = /^\/ari\/recordings\/stored\/([^/]+)(\/file)?$/.exec(req.url ?? '');
    const rec = m && this.recordings.get(decodeURIComponent(m[1]));
    if (!m || !rec) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Recording not found"}');
    if (!m[2]) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: m[1], format: rec.format }));
    this.fileRequests += 1;
    if (this.hang) return; // never answers: the worker is caught mid-job
    res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.from(rec.bytes));
  }

  env(): Record<string, string> {
    return { ASTERISK_ARI_URL: this.url, ASTERISK_ARI_USER: 'switchboard', ASTERISK_ARI_PASSWORD: 'secret' };
  }

  close(): Promise<void> {
    return close(this.server);
  }
}

export interface WebhookRequest {
  headers: IncomingMessage['headers'];
  body: string;
}

export type WebhookAnswer = number | 'hang' | { afterMs: number; status: number };

/** A webhook endpoint that records what it gets; `respond` picks the answer to the n-th request (1-based). */
export class WebhookReceiver {
  readonly requests: WebhookRequest[] = [];
  respond: (n: number) => WebhookAnswer = () => 200;
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<WebhookReceiver> {
    let self: WebhookReceiver | null = null;
    const { server, url } = await listen((req, body, res) => {
      self!.requests.push({ headers: req.headers, body });
      const answer = self!.respond(self!.requests.length);
      if (typeof answer === 'number') res.writeHead(answer).end();
      else if (answer !== 'hang') setTimeout(() => res.writeHead(answer.status).end(), answer.afterMs);
    });
    self = new WebhookReceiver(server, url + '/hooks/switchboard');
    return self;
  }

  close(): Promise<void> {
    return close(this.server);
  }
}

/** A loopback SMTP server keeping every message it accepts, raw. */
export async function startSmtp(): Promise<{ url: string; mails: Array<{ to: string[]; raw: string }>; close(): Promise<void> }> {
  const mails: Array<{ to: string[]; raw: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `smtp://127.0.0.1:${port}?starttls=off`, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The attachment of a raw e-mail, decoded (nodemailer writes base64 parts). */
export function attachmentOf(raw: string): { fileName: string; contentType: string; bytes: Buffer } | null {
  const m = /Content-Type: ([^;\r\n]+);?[^\r\n]*\r\n(?:[^\r\n]+\r\n)*?Content-Disposition: attachment;\s*filename=([^\r\n]+)\r\n(?:[^\r\n]+\r\n)*\r\n([A-Za-z0-9+/=\r\n]+?)\r\n(?:\r\n)?--/.exec(raw);
  if (!m) return null;
  return { contentType: m[1].trim(), fileName: m[2].replace(/"/g, '').trim(), bytes: Buffer.from(m[3].replace(/\s+/g, ''), 'base64') };
}

/** `node --import tsx src/workers/main.ts`, as `npm run worker` runs it. */
export class WorkerChild {
  private output = '';
  readonly exited: Promise<number | null>;
  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(env: Record<string, string>): Promise<WorkerChild> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/workers/main.ts'], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerChild(child);
    await waitFor('worker started', () => worker.output.includes('"worker started"') || (child.exitCode !== null && Promise.reject(new Error(worker.output))), 30_000);
    return worker;
  }

  get log(): string {
    return this.output;
  }

  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

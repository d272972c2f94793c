import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wav } from './support/audio';
import { freePort, RecordingServer, startSmtp, TestDatabase, waitFor, WebhookReceiver, WorkerChild } from './support/harness';

const SECRET = 'whsec_test_0123456789';
const VOICEMAILS = 5;

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor('redis-server listening', () =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    }),
  );
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('worker process: crashes, shutdown and Redis outages', () => {
  let db: TestDatabase;
  let recordings: RecordingServer;
  let webhook: WebhookReceiver;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let mediaDir: string;
  const workers: WorkerChild[] = [];
  let redis: ChildProcess | null = null;

  beforeEach(async () => {
    db = await TestDatabase.open();
    recordings = await RecordingServer.start();
    webhook = await WebhookReceiver.start();
    smtp = await startSmtp();
    mediaDir = mkdtempSync(path.join(tmpdir(), 'sb-media-'));
    await db.seedClient('acme', [
      { kind: 'email', target: 'frontdesk@acme.test' },
      { kind: 'webhook', target: webhook.url, secret: SECRET },
    ]);
    for (let i = 1; i <= VOICEMAILS; i++) recordings.recordings.set(`vm-${i}`, { bytes: wav({ ms: 3000, amplitude: 1000 * i }), format: 'wav' });
  });

  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill('SIGKILL');
    if (redis) await stopRedis(redis);
    redis = null;
    await Promise.all([recordings.close(), webhook.close(), smtp.close()]);
    await db.close();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}) =>
    db.workerEnv({ ...recordings.env(), SMTP_URL: smtp.url, MEDIA_DIR: mediaDir, RETRY_MAX_MS: '500', ...extra });
  const startWorker = async (extra: Record<string, string> = {}) => {
    const w = await WorkerChild.start(env(extra));
    workers.push(w);
    return w;
  };
  const recordAll = async () => {
    for (let i = 1; i <= VOICEMAILS; i++) await db.recordVoicemail({ callId: `call-${i}`, clientId: 'acme', recording: `vm-${i}` });
  };

  /** Exactly one message per voicemail and one delivery per channel, all sent; resends carry the same keys. */
  async function expectExactlyOnce(): Promise<void> {
    await waitFor('every delivery sent', async () => (await db.count("SELECT 1 FROM message_deliveries WHERE status = 'sent'")) === VOICEMAILS * 2, 30_000);
    expect(await db.count('SELECT 1 FROM messages')).toBe(VOICEMAILS);
    expect(await db.count('SELECT DISTINCT call_id FROM messages')).toBe(VOICEMAILS);
    expect(await db.count('SELECT 1 FROM message_deliveries')).toBe(VOICEMAILS * 2);
    expect(await db.count('SELECT 1 FROM voicemail_outbox WHERE done_at IS NULL')).toBe(0);
    const { rows } = await db.pool.query("SELECT id FROM message_deliveries WHERE kind = 'webhook'");
    const keys = new Set(webhook.requests.map((r) => r.headers['idempotency-key']));
    expect(keys).toEqual(new Set(rows.map((r) => r.id)));
    const mailIds = new Set(smtp.mails.map((m) => /^Message-ID: (.+)$/im.exec(m.raw)?.[1].trim()));
    expect(mailIds.size).toBe(VOICEMAILS);
    expect(readdirSync(mediaDir).filter((f) => f.endsWith('.wav'))).toHaveLength(VOICEMAILS);
  }

  it('given workers killed with SIGKILL mid-job (fetching recordings, then sending) when another worker starts then each voicemail is exactly one message with one delivery per channel', async () => {
    await recordAll();

    // First worker: killed while its voicemail jobs wait on Asterisk for the recordings.
    recordings.hang = true;
    const first = await startWorker();
    await waitFor('a recording being fetched', () => recordings.fileRequests >= 1);
    await first.kill('SIGKILL');

    // Second worker: killed while a webhook delivery is in flight.
    recordings.hang = false;
    webhook.respond = (n) => (n === 1 ? 'hang' : 200);
    const second = await startWorker();
    await waitFor('a webhook in flight', () => webhook.requests.length >= 1);
    await second.kill('SIGKILL');

    webhook.respond = () => 200;
    await startWorker();
    await expectExactlyOnce();
    // At-least-once at the edge: a webhook the second worker was killed in the middle of (the hung
    // one, and any whose answer it had not yet recorded) is sent again, with the same key.
    const sends = new Map<unknown, number>();
    for (const r of webhook.requests) sends.set(r.headers['idempotency-key'], (sends.get(r.headers['idempotency-key']) ?? 0) + 1);
    expect(sends.get(webhook.requests[0].headers['idempotency-key'])).toBe(2);
    expect(Math.max(...sends.values())).toBe(2);
  });

  it('given a delivery in flight when the worker gets SIGTERM then it finishes that job and exits 0', async () => {
    webhook.respond = () => ({ afterMs: 1500, status: 200 });
    const worker = await startWorker({ WORKER_LOCK_MS: '30000' });
    await db.recordVoicemail({ callId: 'call-1', clientId: 'acme', recording: 'vm-1' });
    await waitFor('webhook in flight', () => webhook.requests.length === 1);

    expect(await worker.kill('SIGTERM')).toBe(0);
    expect(worker.log).toContain('"worker stopped"');
    expect(await db.count("SELECT 1 FROM message_deliveries WHERE kind = 'webhook' AND status = 'sent'")).toBe(1);
    expect(webhook.requests).toHaveLength(1);
  });

  it('given Redis goes away and comes back empty when voicemails arrive meanwhile then the worker reconnects and the outbox re-enqueues them all, once each', async () => {
    const port = await freePort();
    redis = await startRedis(port);
    await startWorker({ REDIS_URL: `redis://127.0.0.1:${port}`, OUTBOX_REQUEUE_MS: '1000' });
    await db.recordVoicemail({ callId: 'call-1', clientId: 'acme', recording: 'vm-1' });
    await waitFor('first delivered', async () => (await db.count("SELECT 1 FROM message_deliveries WHERE status = 'sent'")) === 2);

    await stopRedis(redis);
    for (let i = 2; i <= VOICEMAILS; i++) await db.recordVoicemail({ callId: `call-${i}`, clientId: 'acme', recording: `vm-${i}` });
    await new Promise((r) => setTimeout(r, 1500)); // sweeps fail meanwhile; nothing is lost
    expect(await db.count('SELECT 1 FROM messages')).toBe(1);

    redis = await startRedis(port); // an empty Redis: every queued job is gone
    await expectExactlyOnce();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { verifyWebhookSignature } from '../../src/messages/signature';
import { loadWorkerConfig } from '../../src/workers/config';
import { openMessagingClient, type MessagingClient } from '../../src/workers/messaging-client';
import { startWorkerProcess, type WorkerProcess } from '../../src/workers/worker-process';
import { wav } from './support/audio';
import { attachmentOf, RecordingServer, startSmtp, TestDatabase, waitFor, WebhookReceiver } from './support/harness';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';

const SECRET = 'whsec_test_0123456789';

describe('voicemail to message', () => {
  let db: TestDatabase;
  let recordings: RecordingServer;
  let webhook: WebhookReceiver;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let mediaDir: string;
  let worker: WorkerProcess | null = null;
  let client: MessagingClient | null = null;

  beforeEach(async () => {
    db = await TestDatabase.open();
    recordings = await RecordingServer.start();
    webhook = await WebhookReceiver.start();
    smtp = await startSmtp();
    mediaDir = mkdtempSync(path.join(tmpdir(), 'sb-media-'));
  });

  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await client?.close();
    client = null;
    await Promise.all([recordings.close(), webhook.close(), smtp.close()]);
    await db.close();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const config = (extra: Record<string, string> = {}) =>
    loadWorkerConfig(db.workerEnv({ ...recordings.env(), SMTP_URL: smtp.url, MAIL_FROM: 'Switchboard <messages@switchboard.test>', MEDIA_DIR: mediaDir, ...extra }));
  const start = async (extra: Record<string, string> = {}) => {
    worker = await startWorkerProcess(config(extra), { logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
  };

  it('given a client with an e-mail and a webhook channel when a voicemail is recorded then one message is made, the e-mail arrives with the audio attached and the webhook is signed', async () => {
    await db.seedClient('acme', [
      { kind: 'email', target: 'frontdesk@acme.test' },
      { kind: 'webhook', target: webhook.url, secret: SECRET },
    ]);
    const audio = wav({ ms: 4000, amplitude: 6000 });
    recordings.recordings.set('vm-call-1', { bytes: audio, format: 'wav' });
    await start();

    await db.recordVoicemail({ callId: 'call-1', clientId: 'acme', recording: 'vm-call-1', callerName: 'Jane Caller', callerNumber: '+15035551234', did: '5035550100' });

    await waitFor('both deliveries sent', async () => (await db.count("SELECT 1 FROM message_deliveries WHERE status = 'sent'")) === 2);
    const [message] = await db.messages.messages({ limit: 10 });
    const sha256 = createHash('sha256').update(audio).digest('hex');
    expect(message).toMatchObject({
      kind: 'voicemail',
      clientId: 'acme',
      clientName: 'Client acme',
      callId: 'call-1',
      callerName: 'Jane Caller',
      callerNumber: '+15035551234',
      dialled: '5035550100',
      durationMs: 4000,
      flags: [],
      transcript: null,
      audio: { sha256, fileName: `${sha256}.wav`, contentType: 'audio/wav', bytes: audio.length },
    });
    // Stored under its content hash.
    expect(createHash('sha256').update(readFileSync(path.join(mediaDir, `${sha256}.wav`))).digest('hex')).toBe(sha256);

    // E-mail, with the recording attached byte for byte.
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0].to).toEqual(['frontdesk@acme.test']);
    expect(smtp.mails[0].raw).toContain('Subject: Voicemail for Client acme from Jane Caller (+15035551234)');
    const attachment = attachmentOf(smtp.mails[0].raw);
    expect(attachment).toMatchObject({ contentType: 'audio/wav', fileName: `voicemail-${message.id}.wav` });
    expect(attachment!.bytes.equals(Buffer.from(audio))).toBe(true);

    // Webhook: signed as documented, with the delivery id as idempotency key.
    expect(webhook.requests).toHaveLength(1);
    const request = webhook.requests[0];
    const signature = request.headers['x-switchboard-signature'] as string;
    expect(verifyWebhookSignature({ header: signature, body: request.body, secret: SECRET, nowSeconds: Math.floor(Date.now() / 1000) })).toBe(true);
    expect(verifyWebhookSignature({ header: signature, body: request.body.replace('Jane', 'Joan'), secret: SECRET, nowSeconds: Math.floor(Date.now() / 1000) })).toBe(false);
    const payload = JSON.parse(request.body);
    const stored = await db.messages.message(message.id);
    const webhookDelivery = stored!.deliveries.find((d) => d.kind === 'webhook')!;
    expect(request.headers['idempotency-key']).toBe(webhookDelivery.id);
    expect(payload).toMatchObject({ id: webhookDelivery.id, type: 'message.created', message: { id: message.id, caller: { name: 'Jane Caller', number: '+15035551234' }, dialled: '5035550100', durationMs: 4000, audio: { sha256 } } });
    expect(stored!.deliveries.map((d) => [d.kind, d.status, d.attempts])).toEqual(
      expect.arrayContaining([
        ['email', 'sent', 1],
        ['webhook', 'sent', 1],
      ]),
    );
  });

  it('given a short silent recording then the message is flagged and still delivered', async () => {
    await db.seedClient('acme', [{ kind: 'webhook', target: webhook.url, secret: SECRET }]);
    recordings.recordings.set('vm-short', { bytes: wav({ ms: 1200, amplitude: 0 }), format: 'wav' });
    await start();
    await db.recordVoicemail({ callId: 'call-short', clientId: 'acme', recording: 'vm-short' });
    await waitFor('delivered', async () => (await db.count("SELECT 1 FROM message_deliveries WHERE status = 'sent'")) === 1);
    const [message] = await db.messages.messages({ limit: 10 });
    expect(message.flags).toEqual(['too-short', 'silent']);
    expect(JSON.parse(webhook.requests[0].body).message.flags).toEqual(['too-short', 'silent']);
  });

  it('given a webhook that keeps failing when it has failed N times then the delivery is failed with its reason, listed by the admin, and can be retried', async () => {
    await db.seedClient('acme', [{ kind: 'webhook', target: webhook.url, secret: SECRET }]);
    recordings.recordings.set('vm-2', { bytes: wav({ ms: 3000, amplitude: 6000 }), format: 'wav' });
    webhook.respond = () => 503;
    await start({ WEBHOOK_MAX_ATTEMPTS: '3' });
    client = openMessagingClient({ logger: createLogger('silent'), config: config({ WEBHOOK_MAX_ATTEMPTS: '3' }) });

    await db.recordVoicemail({ callId: 'call-2', clientId: 'acme', recording: 'vm-2' });

    const [failed] = await waitFor('delivery failed', async () => {
      const rows = await client!.admin.failedDeliveries();
      return rows.length === 1 ? rows : null;
    });
    expect(failed).toMatchObject({ kind: 'webhook', status: 'failed', attempts: 3, maxAttempts: 3, lastError: 'WebhookRejected: webhook answered 503' });
    expect(webhook.requests).toHaveLength(3);
    const failedJobs = await waitFor('failed job listed', async () => {
      const jobs = await client!.admin.failedJobs('delivery');
      return jobs.length ? jobs : null;
    });
    expect(failedJobs[0]).toMatchObject({ queue: 'delivery', data: { deliveryId: failed.id }, failedReason: 'delivery-failed: WebhookRejected: webhook answered 503 (attempt 3 of 3)' });
    expect((await client.admin.queueCounts()).find((q) => q.queue === 'delivery')).toMatchObject({ failed: 1, active: 0 });
    // A fourth try never happens on its own.
    await new Promise((r) => setTimeout(r, 500));
    expect(webhook.requests).toHaveLength(3);

    webhook.respond = () => 200;
    expect(await client.admin.retryJob('delivery', failedJobs[0].jobId)).toBe('retried');
    await waitFor('sent after retry', async () => (await db.count("SELECT 1 FROM message_deliveries WHERE status = 'sent'")) === 1);
    expect(webhook.requests).toHaveLength(4);
    expect(await client.admin.failedDeliveries()).toEqual([]);
  });

  it('given a recording Asterisk no longer has then the voicemail is marked failed (no retries) and visible', async () => {
    await db.seedClient('acme', [{ kind: 'webhook', target: webhook.url, secret: SECRET }]);
    await start();
    client = openMessagingClient({ logger: createLogger('silent'), config: config() });
    await db.recordVoicemail({ callId: 'call-gone', clientId: 'acme', recording: 'vm-gone' });
    const [gone] = await waitFor('voicemail failed', async () => {
      const rows = await client!.admin.failedVoicemails();
      return rows.length ? rows : null;
    });
    expect(gone).toMatchObject({ callId: 'call-gone', reason: 'recording-not-found: Asterisk has no such stored recording' });
    expect(await db.count('SELECT 1 FROM messages')).toBe(0);

    recordings.recordings.set('vm-gone', { bytes: wav({ ms: 3000, amplitude: 6000 }), format: 'wav' });
    expect(await client.admin.retryVoicemail('call-gone')).toBe('retried');
    await waitFor('delivered after retry', async () => (await db.count("SELECT 1 FROM message_deliveries WHERE status = 'sent'")) === 1);
    expect(await db.count('SELECT 1 FROM messages')).toBe(1);
  });

  it('given a receptionist types a message for a client then it is delivered through the same pipeline, once per request id', async () => {
    await db.seedClient('acme', [
      { kind: 'email', target: 'frontdesk@acme.test' },
      { kind: 'webhook', target: webhook.url, secret: SECRET },
    ]);
    await start();
    client = openMessagingClient({ logger: createLogger('silent'), config: config() });
    const input = { clientId: 'acme', callerName: 'Bob Builder', callerNumber: '5035559999', text: 'Please call back about the quote.', authorId: 'rx1', requestId: 'console-42' };
    const first = await client.submitTypedMessage(input);
    const again = await client.submitTypedMessage(input);
    expect(again).toMatchObject({ messageId: first.messageId, created: false });
    expect(first.created).toBe(true);

    await waitFor('both sent', async () => (await db.count("SELECT 1 FROM message_deliveries WHERE status = 'sent'")) === 2);
    expect(await db.count('SELECT 1 FROM messages')).toBe(1);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0].raw).toContain('Please call back about the quote.');
    expect(JSON.parse(webhook.requests[0].body).message).toMatchObject({ kind: 'typed', text: 'Please call back about the quote.', audio: null });
    await expect(client.submitTypedMessage({ ...input, clientId: 'nobody', requestId: undefined })).rejects.toMatchObject({ code: 'no-such-client' });
    await expect(client.submitTypedMessage({ ...input, text: ' ' })).rejects.toMatchObject({ code: 'bad-request' });
  });
});

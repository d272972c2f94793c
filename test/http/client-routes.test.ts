import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PostgresDialplanData } from '../../src/adapters/postgres/dialplan-data';
import { PostgresUserStore } from '../../src/adapters/postgres/users';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import type { Message } from '../../src/messages/model';
import type { SwitchboardNotice } from '../../src/ports/notifier';
import { buildHttp } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { loadWorkerConfig } from '../../src/workers/config';
import { MediaDirectory } from '../../src/workers/media-dir';
import { openMessagingClient, type MessagingClient } from '../../src/workers/messaging-client';
import { DATABASE_URL, REDIS_URL, TestDatabase, waitFor } from '../workers/support/harness';

const SERVICE = 'portal-service-token-0123456789';
const PASSWORD = 'portal password 123';
const NOW = Date.parse('2026-11-23T12:00:00Z');
const HOUR = 3_600_000;

describe('client portal API on PostgreSQL', () => {
  let db: TestDatabase;
  let messaging: MessagingClient;
  let app: FastifyInstance;
  let mediaDir: string;
  const clock = { now: () => NOW };
  const hub = new NoticeHub();
  const notices: SwitchboardNotice[] = [];
  const tokens: Record<'admin' | 'client', string> = { admin: '', client: '' };
  const ids = { clientUser: '', typed: '', voicemail: '', zenithVoicemail: '' };
  const audio = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4, 87, 65, 86, 69, 9, 9]);

  const as = (who: 'admin' | 'client' | 'service') => ({ authorization: `Bearer ${who === 'service' ? SERVICE : tokens[who]}` });
  const call = (who: 'admin' | 'client' | 'service', method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, headers: as(who), ...(payload ? { payload } : {}) });
  const changes = () => notices.filter((n) => n.type === 'client-changed');

  async function voicemail(clientId: string, callId: string): Promise<string> {
    const stored = await new MediaDirectory(mediaDir).put(audio, 'wav');
    const message: Message = {
      id: crypto.randomUUID(), sourceKey: `call:${callId}`, kind: 'voicemail', clientId, clientName: `Client ${clientId}`, callId, callerName: 'Pat',
      callerNumber: '+15035551234', dialled: '+15035550100', receivedAt: NOW - HOUR, durationMs: 4000, text: null,
      audio: { sha256: stored.sha256, fileName: stored.fileName, contentType: 'audio/wav', bytes: audio.length }, transcript: null, flags: [], authorId: null,
    };
    return (await db.messages.saveMessage(message, { maxAttempts: { email: 3, webhook: 3 } })).messageId;
  }

  beforeAll(async () => {
    db = await TestDatabase.open();
    await db.seedClient('acme', []);
    await db.seedClient('zenith', []);
    await db.pool.query("INSERT INTO client_numbers (number, client_id) VALUES ('+15035550100', 'acme')");
    mediaDir = await mkdtemp(path.join(tmpdir(), 'portal-media-'));
    messaging = openMessagingClient({
      logger: createLogger('silent'),
      config: loadWorkerConfig({ DATABASE_URL, DATABASE_SCHEMA: db.schema, REDIS_URL, WORKER_QUEUE_PREFIX: db.prefix, MEDIA_DIR: mediaDir }),
    });
    ids.typed = (await messaging.submitTypedMessage({ clientId: 'acme', callerName: 'Pat', callerNumber: '5035551234', text: 'Call back.' })).messageId;
    ids.voicemail = await voicemail('acme', 'call-acme-vm');
    ids.zenithVoicemail = await voicemail('zenith', 'call-zen-vm');
    hub.subscribe((n) => notices.push(n));

    app = buildHttp({
      logger: createLogger('silent'),
      apiToken: SERVICE,
      auth: { users: new PostgresUserStore(db.pool), mode: 'required', sessionTtlMs: HOUR, loginLimit: { maxFailures: 1000, windowMs: 60_000 } },
      calls: {} as never,
      callLog: db.callServer.callLog,
      hub,
      clock,
      health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) },
      messaging,
      clientSettings: { store: db.callServer.clientSettings },
    });
    await app.ready();
    for (const [name, fields] of [['admin', { role: 'admin' }], ['client', { role: 'client', clientId: 'acme' }]] as const) {
      const created = await app.inject({ method: 'POST', url: '/api/users', headers: as('service'), payload: { email: `${name}@example.com`, password: PASSWORD, ...fields } });
      expect(created.statusCode, created.body).toBe(201);
      if (name === 'client') ids.clientUser = created.json().id;
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: `${name}@example.com`, password: PASSWORD } });
      tokens[name] = login.json().token;
    }
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await messaging?.close();
    await db?.close();
    if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    notices.length = 0;
  });

  it('given staff and a client user when they list clients then staff see all by name, the client only itself', async () => {
    await db.pool.query("UPDATE clients SET name = 'Aardvark Zenith' WHERE id = 'zenith'");
    expect((await call('admin', 'GET', '/api/clients')).json()).toEqual({ clients: [{ id: 'zenith', name: 'Aardvark Zenith' }, { id: 'acme', name: 'Client acme' }] });
    expect((await call('client', 'GET', '/api/clients')).json()).toEqual({ clients: [{ id: 'acme', name: 'Client acme' }] });
  });

  it('given a fresh client when its settings are read then every section is there, empty', async () => {
    const res = await call('client', 'GET', '/api/clients/acme/settings');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      client: { id: 'acme', name: 'Client acme', greeting: '', timeZone: 'UTC' },
      status: null,
      contacts: [],
      hours: [],
      closures: [],
      afterHours: { action: 'voicemail', announcement: null, forwardTo: null, forwardAllowed: false },
    });
    expect((await call('admin', 'GET', '/api/clients/nobody/settings')).json().error.code).toBe('no-such-client');
  });

  it('given a hostile greeting when a client sets it then it is stored verbatim, answered as JSON text, published, and reaches the call path', async () => {
    const greeting = '<script>alert("hi")</script> Thanks for calling Acme';
    const res = await call('client', 'PUT', '/api/clients/acme/greeting', { greeting: `  ${greeting} ` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json().client.greeting).toBe(greeting);
    expect(changes()).toEqual([{ type: 'client-changed', clientId: 'acme' }]);
    // The call path reads greetings from the directory's memory: the NOTIFY reloads it.
    await waitFor('the directory cache to see the new greeting', async () => (await db.callServer.directory.client('acme'))?.greeting === greeting, 5000);

    const bad = await call('client', 'PUT', '/api/clients/acme/greeting', { greeting: 'Hello\r\nEXEC Dial' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('bad-greeting');
    expect((await call('client', 'PUT', '/api/clients/acme/greeting', { greeting: 'x'.repeat(301) })).json().error.code).toBe('bad-greeting');
    expect((await call('client', 'PUT', '/api/clients/acme/greeting', { greeting: 'x', extra: 1 })).statusCode).toBe(400);
    expect(changes()).toHaveLength(1);
  });

  it('given a status scheduled ahead when posted then it is shown inactive, the dialplan lookup ignores it until it starts, and it can be removed', async () => {
    const startsAt = new Date(NOW + HOUR).toISOString();
    const endsAt = new Date(NOW + 3 * HOUR).toISOString();
    const res = await call('client', 'PUT', '/api/clients/acme/status', { text: 'Out until 3 pm <b>really</b>', instruction: 'take-message', startsAt, endsAt });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toEqual({ text: 'Out until 3 pm <b>really</b>', instruction: 'take-message', startsAt, endsAt, postedAt: new Date(NOW).toISOString(), active: false });
    expect(changes()).toHaveLength(1);

    const dialplan = new PostgresDialplanData(db.pool);
    expect((await dialplan.clientForNumber('+15035550100', NOW))?.status).toBeNull();
    expect((await dialplan.clientForNumber('+15035550100', NOW + 2 * HOUR))?.status?.text).toBe('Out until 3 pm <b>really</b>');

    const store = db.callServer.clientSettings;
    expect(await store.currentStatus('acme', NOW)).toMatchObject({ active: false });
    expect(await store.currentStatus('acme', NOW + 2 * HOUR)).toMatchObject({ active: true, instruction: 'take-message' });
    expect(await store.currentStatus('acme', NOW + 3 * HOUR)).toBeNull();
    const many = await store.currentStatuses(['acme', 'zenith', 'nobody'], NOW + HOUR);
    expect([...many.keys()]).toEqual(['acme', 'zenith', 'nobody']);
    expect(many.get('acme')).toMatchObject({ active: true });
    expect(many.get('zenith')).toBeNull();

    const now = await call('client', 'PUT', '/api/clients/acme/status', { text: 'In a meeting', instruction: 'screen-all' });
    expect(now.json().status).toMatchObject({ text: 'In a meeting', startsAt: null, endsAt: null, active: true });

    const gone = await call('client', 'DELETE', '/api/clients/acme/status');
    expect(gone.statusCode).toBe(204);
    expect((await call('client', 'GET', '/api/clients/acme/settings')).json().status).toBeNull();
    expect(changes()).toHaveLength(3);
  });

  it('given a window that ends in the past or before it starts then 400 bad-window and nothing changes', async () => {
    for (const window of [
      { endsAt: new Date(NOW - 1).toISOString() },
      { startsAt: new Date(NOW + 2 * HOUR).toISOString(), endsAt: new Date(NOW + HOUR).toISOString() },
    ]) {
      const res = await call('client', 'PUT', '/api/clients/acme/status', { text: 'Away', instruction: 'none', ...window });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('bad-window');
    }
    expect((await call('client', 'PUT', '/api/clients/acme/status', { text: 'Away', instruction: 'dance' })).statusCode).toBe(400);
    expect(changes()).toEqual([]);
  });

  it('given contacts when a client adds, replaces and removes them then a premium or international number is refused as a toll-fraud risk', async () => {
    const dana = { name: 'Dana <i>CEO</i>', number: '+15035550111', alwaysScreen: true, availability: 'available', note: 'Prefers e-mail' };
    const added = await call('client', 'PUT', '/api/clients/acme/contacts/12', dana);
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json().contacts).toEqual([{ code: '12', name: 'Dana <i>CEO</i>', number: '+15035550111', extension: null, alwaysScreen: true, availability: 'available', note: 'Prefers e-mail' }]);
    const ext = await call('client', 'PUT', '/api/clients/acme/contacts/3', { name: 'Front desk', extension: '204', number: null, alwaysScreen: false, availability: 'away', note: '' });
    expect(ext.json().contacts.map((c: { code: string }) => c.code)).toEqual(['12', '3']);
    // What the receptionists' transfers read sees it at once.
    expect((await db.callServer.directory.transferRules('acme')).contacts.map((c) => c.code)).toEqual(['12', '3']);

    for (const number of ['+19005551234', '+447700900123']) {
      const refused = await call('client', 'PUT', '/api/clients/acme/contacts/13', { ...dana, number });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.code).toBe('destination-not-allowed');
    }
    await db.pool.query("INSERT INTO client_transfer_allow (client_id, pattern, international) VALUES ('acme', '+44', true)");
    expect((await call('client', 'PUT', '/api/clients/acme/contacts/13', { ...dana, number: '+447700900123' })).statusCode).toBe(200);

    const both = await call('client', 'PUT', '/api/clients/acme/contacts/14', { ...dana, extension: '204' });
    expect(both.json().error.code).toBe('bad-contact');
    expect((await call('client', 'PUT', '/api/clients/acme/contacts/1234567', dana)).statusCode).toBe(400);
    expect((await call('client', 'PUT', '/api/clients/acme/contacts/15', { ...dana, number: '5035550111' })).statusCode).toBe(400);

    expect((await call('client', 'DELETE', '/api/clients/acme/contacts/13')).statusCode).toBe(204);
    const again = await call('client', 'DELETE', '/api/clients/acme/contacts/13');
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('no-such-contact');
    expect(changes()).toHaveLength(4);
  });

  it('given weekly hours when a client replaces them then they are stored in its zone, and a bad zone or overlapping hours are refused', async () => {
    const hours = [
      { weekday: 1, opens: '13:00', closes: '17:30' },
      { weekday: 1, opens: '09:00', closes: '12:00' },
      { weekday: 6, opens: '10:00', closes: '24:00' },
    ];
    const res = await call('client', 'PUT', '/api/clients/acme/hours', { timeZone: 'America/Los_Angeles', hours });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().client.timeZone).toBe('America/Los_Angeles');
    expect(res.json().hours).toEqual([hours[1], hours[0], hours[2]]);

    const zone = await call('client', 'PUT', '/api/clients/acme/hours', { timeZone: 'Mars/Olympus', hours: [] });
    expect(zone.statusCode).toBe(400);
    expect(zone.json().error.code).toBe('bad-time-zone');
    const overlap = await call('client', 'PUT', '/api/clients/acme/hours', { timeZone: 'UTC', hours: [{ weekday: 2, opens: '09:00', closes: '12:00' }, { weekday: 2, opens: '11:00', closes: '14:00' }] });
    expect(overlap.statusCode).toBe(400);
    expect(overlap.json().error.code).toBe('bad-hours');
    expect((await call('client', 'PUT', '/api/clients/acme/hours', { timeZone: 'UTC', hours: [{ weekday: 2, opens: '9:00', closes: '12:00' }] })).statusCode).toBe(400);

    const after = (await call('client', 'GET', '/api/clients/acme/settings')).json();
    expect(after.client.timeZone).toBe('America/Los_Angeles');
    expect(after.hours).toHaveLength(3);
    expect(changes()).toHaveLength(1);
  });

  it('given closures when a client replaces them then they are sorted; impossible dates are refused', async () => {
    const closures = [
      { firstDay: '2026-12-31', lastDay: '2027-01-01', label: 'New year' },
      { firstDay: '2026-12-24', lastDay: '2026-12-26', label: '<b>Christmas</b>' },
    ];
    const res = await call('client', 'PUT', '/api/clients/acme/closures', { closures });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().closures).toEqual([closures[1], closures[0]]);
    const bad = await call('client', 'PUT', '/api/clients/acme/closures', { closures: [{ firstDay: '2026-02-30', lastDay: '2026-03-01', label: '' }] });
    expect(bad.json().error.code).toBe('bad-closures');
    const reversed = await call('client', 'PUT', '/api/clients/acme/closures', { closures: [{ firstDay: '2026-03-02', lastDay: '2026-03-01', label: '' }] });
    expect(reversed.json().error.code).toBe('bad-closures');
    expect((await call('client', 'GET', '/api/clients/acme/settings')).json().closures).toHaveLength(2);
    expect((await call('client', 'PUT', '/api/clients/acme/closures', { closures: [] })).json().closures).toEqual([]);
    expect(changes()).toHaveLength(2);
  });

  it('given after-hours handling when a client sends forwardAllowed then 403 staff-only; an admin may allow it; targets obey the toll-fraud rule', async () => {
    const sneaky = await call('client', 'PUT', '/api/clients/acme/after-hours', { action: 'forward', forwardTo: '+15035550199', forwardAllowed: true });
    expect(sneaky.statusCode).toBe(403);
    expect(sneaky.json().error.code).toBe('staff-only');

    const forward = await call('client', 'PUT', '/api/clients/acme/after-hours', { action: 'forward', forwardTo: '5035550199' });
    expect(forward.statusCode, forward.body).toBe(200);
    expect(forward.json().afterHours).toEqual({ action: 'forward', announcement: null, forwardTo: '+15035550199', forwardAllowed: false });
    const allowed = await call('admin', 'PUT', '/api/clients/acme/after-hours', { action: 'forward', forwardTo: '+15035550199', forwardAllowed: true });
    expect(allowed.json().afterHours.forwardAllowed).toBe(true);
    // The client keeps editing its target; the staff flag stays as staff set it.
    const announce = await call('client', 'PUT', '/api/clients/acme/after-hours', { action: 'announcement', announcement: 'custom/acme-closed' });
    expect(announce.json().afterHours).toEqual({ action: 'announcement', announcement: 'custom/acme-closed', forwardTo: null, forwardAllowed: true });

    const premium = await call('client', 'PUT', '/api/clients/acme/after-hours', { action: 'forward', forwardTo: '+19005551234' });
    expect(premium.statusCode).toBe(422);
    expect(premium.json().error.code).toBe('destination-not-allowed');
    for (const body of [
      { action: 'forward', forwardTo: '5035550199&SIP/evil' },
      { action: 'announcement', announcement: 'custom/x,1)' },
      { action: 'announcement', announcement: '../../etc/passwd' },
      { action: 'forward' },
    ]) {
      const res = await call('client', 'PUT', '/api/clients/acme/after-hours', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('bad-after-hours');
    }
    expect(changes()).toHaveLength(3);
  });

  it('given a client user when it reads or writes another client then 403 other-client, and its messages stay its own (404)', async () => {
    for (const [method, url, payload] of [
      ['GET', '/api/clients/zenith/settings'],
      ['PUT', '/api/clients/zenith/greeting', { greeting: 'pwned' }],
      ['PUT', '/api/clients/zenith/status', { text: 'x', instruction: 'none' }],
      ['DELETE', '/api/clients/zenith/status'],
      ['PUT', '/api/clients/zenith/contacts/1', { name: 'x', number: '+15035550111', alwaysScreen: false, availability: 'available', note: '' }],
      ['DELETE', '/api/clients/zenith/contacts/1'],
      ['PUT', '/api/clients/zenith/hours', { timeZone: 'UTC', hours: [] }],
      ['PUT', '/api/clients/zenith/closures', { closures: [] }],
      ['PUT', '/api/clients/zenith/after-hours', { action: 'voicemail' }],
    ] as Array<['GET' | 'PUT' | 'DELETE', string, object?]>) {
      const res = await call('client', method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('other-client');
    }
    const handled = await call('client', 'POST', `/api/messages/${ids.zenithVoicemail}/handled`, { handled: true });
    expect(handled.statusCode).toBe(404);
    expect((await call('client', 'GET', `/api/messages/${ids.zenithVoicemail}/audio`)).statusCode).toBe(404);
    expect((await call('client', 'POST', `/api/messages/${ids.zenithVoicemail}/handled`, { handled: true, clientId: 'zenith' })).statusCode).toBe(403);
    expect((await call('admin', 'GET', '/api/clients/zenith/settings')).json().client.greeting).toBe('');
    expect(changes()).toEqual([]);
  });

  it('given a message when the client marks it handled then it says when and by whom, the list filters on it, and it can be unmarked', async () => {
    const res = await call('client', 'POST', `/api/messages/${ids.typed}/handled`, { handled: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: ids.typed, clientId: 'acme', handled: true, handledAt: new Date(NOW).toISOString(), handledBy: ids.clientUser });
    expect(changes()).toEqual([{ type: 'client-changed', clientId: 'acme' }]);

    const listed = (q: string) => call('client', 'GET', `/api/messages?${q}`).then((r) => r.json().messages.map((m: { id: string }) => m.id));
    expect(await listed('handled=true')).toEqual([ids.typed]);
    expect(await listed('handled=false')).toEqual([ids.voicemail]);
    expect((await listed('')).sort()).toEqual([ids.typed, ids.voicemail].sort());
    expect((await call('client', 'GET', `/api/messages/${ids.typed}`)).json()).toMatchObject({ handled: true, handledAt: new Date(NOW).toISOString() });

    const byService = await call('service', 'POST', `/api/messages/${ids.typed}/handled`, { handled: true, clientId: 'acme' });
    expect(byService.json().handledBy).toBe(ids.clientUser);
    const undone = await call('service', 'POST', `/api/messages/${ids.typed}/handled`, { handled: false });
    expect(undone.json()).toMatchObject({ handled: false, handledAt: null, handledBy: null });
    expect((await call('service', 'POST', `/api/messages/${ids.typed}/handled`, { handled: true, clientId: 'zenith' })).statusCode).toBe(404);
    expect((await call('service', 'POST', '/api/messages/not-a-uuid/handled', { handled: true })).json().error.code).toBe('no-such-message');
  });

  it('given a voicemail when its audio is fetched then the bytes come inline with their type; a typed message has none', async () => {
    const res = await call('client', 'GET', `/api/messages/${ids.voicemail}/audio`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['content-disposition']).toMatch(/^inline; filename="[0-9a-f]{64}\.wav"$/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(new Uint8Array(res.rawPayload)).toEqual(audio);
    const typed = await call('client', 'GET', `/api/messages/${ids.typed}/audio`);
    expect(typed.statusCode).toBe(404);
    expect(typed.json().error.code).toBe('no-audio');
    expect((await call('admin', 'GET', `/api/messages/${ids.zenithVoicemail}/audio?clientId=acme`)).statusCode).toBe(404);
    expect((await call('admin', 'GET', `/api/messages/${ids.zenithVoicemail}/audio`)).statusCode).toBe(200);
  });
});

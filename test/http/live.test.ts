import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import pg from 'pg';
import { Office } from '../e2e/support/office';

const ACME = '5035550100';
const ZENITH = '5035550200';
const PASSWORD = 'live test password 123';

/** A /api/live client that keeps every message it got. */
class Live {
  readonly messages: any[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data))));
  }
  static open(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<Live> {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers });
    const live = new Live(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(live));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }
  snapshots(): any[] {
    return this.messages.filter((m) => m.type === 'snapshot');
  }
  last(): any {
    return this.snapshots().at(-1);
  }
  close(): void {
    this.ws.close();
  }
}

describe('GET /api/live: whole snapshots over a WebSocket', () => {
  let office: Office;
  let wsUrl: string;
  const open: Live[] = [];
  const connect = async (opts: Parameters<typeof Live.open>[1]) => {
    const l = await Live.open(wsUrl, opts);
    open.push(l);
    return l;
  };
  const loginAs = async (fields: object, email: string) => {
    const created = await office.api('POST', '/api/users', { email, password: PASSWORD, ...fields });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const res = await fetch(`${office.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    return ((await res.json()) as { token: string }).token;
  };

  beforeEach(async () => {
    office = await Office.open();
    wsUrl = office.baseUrl.replace(/^http/, 'ws') + '/api/live';
    await office.seed({
      clients: [
        { id: 'acme', name: 'Acme Plumbing', greeting: 'Thank you for calling Acme Plumbing', numbers: [ACME] },
        { id: 'zenith', name: 'Zenith Dental', greeting: 'Zenith Dental, how may I help?', numbers: [ZENITH] },
      ],
      receptionists: [{ id: 'rx1' }],
    });
  });

  afterEach(async () => {
    for (const l of open.splice(0)) l.close();
    await office.close();
  });

  it('given no receptionist available when a caller dials then the snapshot shows them waiting; when rx1 becomes available their own stream gets the screen pop and the call in hand; a reconnect gets a whole snapshot', async () => {
    const { lab } = office;
    await lab.setPhone('rx1', { kind: 'answer', afterMs: 100 });
    // Logged in but paused: callers wait (with nobody logged in they would overflow).
    await office.setPresence('rx1', 'paused', 'lunch');
    const token = await loginAs({ role: 'receptionist', receptionistId: 'rx1' }, 'rx1@example.com');
    const service = await connect({ headers: office.authHeaders });
    // Browsers: the token as a subprotocol next to switchboard.live.
    const rx = await connect({ protocols: ['switchboard.live', `bearer.${token}`] });
    expect(rx.ws.protocol).toBe('switchboard.live');
    await lab.waitFor('first snapshots', async () => service.last() && rx.last());
    expect(service.last()).toMatchObject({ queue: [], parked: [] });
    expect(rx.last().me.receptionist).toMatchObject({ id: 'rx1', presence: { kind: 'paused', reason: 'lunch' } });

    const call = await lab.placeCall({ did: ACME, callerName: '<script>x</script>', callerNumber: '5035551201' });
    await call.ready();
    const waiting = await lab.waitFor('caller waiting in the snapshot', async () => service.last()?.queue.find((q: any) => q.clientId === 'acme'));
    expect(waiting).toMatchObject({ clientName: 'Acme Plumbing', callerName: '<script>x</script>', callerNumber: '5035551201', position: 1 });
    expect(waiting.waitMs).toBeGreaterThanOrEqual(0);

    await office.setPresence('rx1', 'available');
    const pop = await lab.waitFor('screen pop to rx1', async () => rx.messages.find((m) => m.type === 'screen-pop'));
    expect(pop).toMatchObject({ receptionistId: 'rx1', clientName: 'Acme Plumbing', greeting: 'Thank you for calling Acme Plumbing', callerNumber: '5035551201' });
    const inHand = await lab.waitFor('call in hand, connected', async () => rx.last()?.me?.call?.status === 'connected' && rx.last().me.call);
    expect(inHand).toMatchObject({ clientName: 'Acme Plumbing', greeting: 'Thank you for calling Acme Plumbing', callerName: '<script>x</script>', contacts: [] });
    await lab.waitFor('service sees the pop too', async () => service.messages.find((m) => m.type === 'screen-pop'));

    // Reconnecting: the first message is the whole current picture, not a delta.
    rx.close();
    const again = await connect({ protocols: ['switchboard.live', `bearer.${token}`] });
    const first = await lab.waitFor('snapshot on reconnect', async () => again.messages[0]);
    expect(first.type).toBe('snapshot');
    expect(first.me.call).toMatchObject({ callId: inHand.callId });
    expect(first.receptionists.map((r: any) => r.id)).toEqual(['rx1']);
  });

  it('refuses an anonymous upgrade (401) and a wrong token, and accepts none on another path', async () => {
    await expect(Live.open(wsUrl)).rejects.toMatchObject({ status: 401 });
    await expect(Live.open(wsUrl, { headers: { authorization: 'Bearer nope' } })).rejects.toMatchObject({ status: 401 });
    await expect(Live.open(wsUrl, { protocols: ['switchboard.live', 'bearer.nope'] })).rejects.toMatchObject({ status: 401 });
    await expect(Live.open(office.baseUrl.replace(/^http/, 'ws') + '/api/elsewhere', { headers: office.authHeaders })).rejects.toMatchObject({ status: 404 });
  });

  it("given callers of two clients waiting then a client user's stream only ever contains their own client's calls", async () => {
    const { lab } = office;
    await office.setPresence('rx1', 'paused', 'lunch');
    const token = await loginAs({ role: 'client', clientId: 'acme' }, 'acme@example.com');
    const client = await connect({ headers: { authorization: `Bearer ${token}` } });
    const service = await connect({ headers: office.authHeaders });
    const zen = await lab.placeCall({ did: ZENITH, callerName: 'Zed Zenith', callerNumber: '5035559999' });
    const acme = await lab.placeCall({ did: ACME, callerName: 'Ann Acme', callerNumber: '5035551111' });
    await Promise.all([zen.ready(), acme.ready()]);
    await lab.waitFor('both waiting for the service', async () => service.last()?.queue.length === 2);
    await lab.waitFor('acme caller in the client stream', async () => client.last()?.queue.length === 1);
    const all = JSON.stringify(client.messages);
    expect(all).not.toContain('zenith');
    expect(all).not.toContain('Zed Zenith');
    expect(all).not.toContain('5035559999');
    expect(client.last().receptionists).toEqual([]);
    expect(client.messages.some((m) => m.type === 'screen-pop')).toBe(false);
    // The plain GET answers the same scoped snapshot.
    const res = await fetch(`${office.baseUrl}/api/live`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain('Ann Acme');
    expect(body).not.toContain('Zed Zenith');
  });

  it('given a receptionist, a client user and a waiting Acme caller when Acme posts a status and an admin publishes banners then each stream gets them at once, scoped; withdrawn or cleared, they go', async () => {
    const { lab } = office;
    await office.setPresence('rx1', 'paused', 'lunch');
    const rxToken = await loginAs({ role: 'receptionist', receptionistId: 'rx1' }, 'rx1@example.com');
    const acmeToken = await loginAs({ role: 'client', clientId: 'acme' }, 'acme@example.com');
    const zenToken = await loginAs({ role: 'client', clientId: 'zenith' }, 'zen@example.com');
    const rx = await connect({ headers: { authorization: `Bearer ${rxToken}` } });
    const acme = await connect({ headers: { authorization: `Bearer ${acmeToken}` } });
    const zen = await connect({ headers: { authorization: `Bearer ${zenToken}` } });
    const call = await lab.placeCall({ did: ACME, callerName: 'Ann Acme', callerNumber: '5035551111' });
    await call.ready();
    await lab.waitFor('caller waiting, no status yet', async () => rx.last()?.queue.length === 1);
    expect(rx.last().queue[0].clientStatus).toBeNull();

    const posted = await fetch(`${office.baseUrl}/api/clients/acme/status`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${acmeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Out until 3 pm', instruction: 'voicemail-all' }),
    });
    expect(posted.status).toBe(200);
    const status = await lab.waitFor('status on the queue entry', async () => rx.last()?.queue[0]?.clientStatus, 2000);
    expect(status).toMatchObject({ text: 'Out until 3 pm', instruction: 'voicemail-all' });
    await lab.waitFor('status in the client snapshot', async () => acme.last()?.client?.status?.text === 'Out until 3 pm', 2000);
    expect(JSON.stringify(zen.messages)).not.toContain('Out until 3 pm');

    const publish = async (text: string, audience: string) => {
      const now = Date.now();
      const res = await office.api('POST', '/api/admin/announcements', { text, level: 'warning', audience, startsAt: new Date(now - 1000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const forStaff = await publish('Trunk degraded, use the backup line', 'receptionists');
    await publish('Office closed on the 25th', 'clients');
    await lab.waitFor('staff banner on the console', async () => rx.last()?.announcements?.some((a: any) => a.id === forStaff), 2000);
    await lab.waitFor('client banner on the portal streams', async () => acme.last()?.announcements?.length === 1 && zen.last()?.announcements?.length === 1, 2000);
    expect(rx.last().announcements.map((a: any) => a.text)).toEqual(['Trunk degraded, use the backup line']);
    expect(acme.last().announcements.map((a: any) => a.text)).toEqual(['Office closed on the 25th']);

    expect((await office.api('DELETE', `/api/admin/announcements/${forStaff}`)).status).toBe(204);
    await lab.waitFor('withdrawn banner gone', async () => rx.last()?.announcements?.length === 0, 2000);
    const cleared = await fetch(`${office.baseUrl}/api/clients/acme/status`, { method: 'DELETE', headers: { authorization: `Bearer ${acmeToken}` } });
    expect(cleared.status).toBe(204);
    await lab.waitFor('status gone', async () => rx.last()?.queue[0]?.clientStatus === null, 2000);
  });

  it("given Ann called Acme before and is on Acme's VIP list when she calls again then rx1's call in hand carries the note: VIP, the label, one earlier call and how it ended", async () => {
    const { lab } = office;
    const pool = new pg.Pool({ connectionString: office.config.DATABASE_URL, options: `-c search_path=${office.config.DATABASE_SCHEMA}` });
    await pool.query(`INSERT INTO caller_list_entries (client_id, number, kind, label) VALUES ('acme', '5035551111', 'vip', 'Ann, the owner''s <i>mother</i>')`);
    await pool.end();
    await lab.setPhone('rx1', { kind: 'answer', afterMs: 100 });
    await office.setPresence('rx1', 'paused', 'lunch');
    const first = await lab.placeCall({ did: ACME, callerName: 'Ann Acme', callerNumber: '5035551111' });
    await first.ready();
    const firstId = (await first.view()).channelId;
    await first.hangup();
    await office.endedCall(firstId);

    const token = await loginAs({ role: 'receptionist', receptionistId: 'rx1' }, 'rx1@example.com');
    const rx = await connect({ headers: { authorization: `Bearer ${token}` } });
    await lab.placeCall({ did: ACME, callerName: 'Ann Acme', callerNumber: '5035551111' });
    await office.setPresence('rx1', 'available');
    const note = await lab.waitFor('caller note on the call in hand', async () => rx.last()?.me?.call?.callerNote, 5000);
    expect(note).toMatchObject({ callerClass: 'vip', label: "Ann, the owner's <i>mother</i>", previousCalls: 1, lastOutcome: 'abandoned' });
    expect(note.lastCallAt).toBeGreaterThan(0);
  });
});

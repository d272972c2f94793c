import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Office } from './support/office';
import { EventStream } from './support/sse';

const DID = '5035550100';
const CALLEE = '5035557777';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Callbacks end to end. The callee is a phone of the lab: on the simulator `PJSIP/<number>@trunk`
 * rings the phone named `<number>@trunk`; on a real Asterisk the harness's Local phone context.
 */
describe('callbacks', () => {
  let office: Office;
  let calleePhone: (number: string) => string;

  beforeEach(async () => {
    office = await Office.open();
    const { lab } = office;
    calleePhone = (n) => (lab.kind === 'simulator' ? `${n}@trunk` : `cb${n}`);
    Object.assign(office.config, {
      CALLBACK_DIAL_TEMPLATE: lab.kind === 'simulator' ? 'PJSIP/{number}@trunk' : lab.endpointFor('cb{number}'),
      CALLBACK_RETRY_SECONDS: '1',
      CALLBACK_RING_SECONDS: 5,
      CALLBACK_DIGIT_TIMEOUT_SECONDS: 5,
    });
    await office.restartSwitchboard();
    await office.seed({
      clients: [{ id: 'acme', name: 'Acme Plumbing', numbers: [DID], callbackOfferAfterSeconds: 1 }, { id: 'other', name: 'Other Co', numbers: ['5035550200'] }],
      receptionists: [{ id: 'rx1', wrapUpSeconds: 0 }],
    });
    await lab.setPhone('rx1', { kind: 'answer', afterMs: 100 });
    await office.setPresence('rx1', 'paused', 'meeting');
  });

  afterEach(async () => {
    await office.close();
  });

  const callback = async (id: string) => (await office.api('GET', `/api/callbacks/${id}`)).body;

  it('given a caller waiting past the threshold when they press 1 and confirm then they hang up with their place kept, and when a receptionist is free they are rung first and the caller is called back and bridged', async () => {
    const { lab } = office;
    await lab.setPhone(calleePhone(CALLEE), { kind: 'answer', afterMs: 200 });
    const events = await EventStream.open(`${office.baseUrl}/api/events`, office.authHeaders);
    // A second caller arrives after the first: the callback must still be served first.
    const call = await lab.placeCall({ did: DID, callerName: 'Pat Caller', callerNumber: CALLEE });
    const channelId = (await lab.waitFor('waiting', async () => (await call.view()).state === 'Up' && call.view())).channelId;
    await sleep(150);
    const later = await lab.placeCall({ did: DID, callerName: 'Later Caller', callerNumber: '5035551111' });

    if (lab.observesMedia) await lab.waitFor('the offer plays', async () => (await call.view()).playing === 'sound:sb-callback-offer', 4000);
    else await sleep(1500);
    await call.sendDtmf('1');
    if (lab.observesMedia) await lab.waitFor('asked to confirm the number', async () => (await call.view()).playing === 'sound:sb-callback-confirm', 3000);
    else await sleep(300);
    await call.sendDtmf('1');
    await lab.waitFor('the caller is hung up after the confirmation', async () => !(await call.view()).alive, 6000);

    const record = await office.endedCall(channelId);
    expect(record.outcome).toBe('callback');
    const requested = record.timeline.find((e: any) => e.kind === 'callback-requested');
    expect(requested).toBeDefined();
    const id = requested.callbackId as string;
    expect(await callback(id)).toMatchObject({ clientId: 'acme', number: CALLEE, status: 'queued', source: 'caller', originalCallId: channelId });
    const queue = (await office.api('GET', '/api/queue')).body.waiting;
    expect(queue.map((w: any) => w.callId)).toEqual([`callback-${id}`, (await later.view()).channelId]);

    await office.setPresence('rx1', 'available');
    await lab.waitFor('the callee is called and bridged with rx1', async () => {
      const bridges = await office.ari<any[]>('/bridges');
      return bridges.find((b) => b.id === `sb-call-callback-${id}` && b.channels.length === 2);
    });
    expect((await lab.phone(calleePhone(CALLEE))).offers).toBe(1);
    const pop = await lab.waitFor('screen pop for the callback', async () => events.ofType('screen-pop').find((p) => p.pop.callback));
    expect(pop.pop).toMatchObject({ clientId: 'acme', clientName: 'Acme Plumbing', callerNumber: CALLEE, receptionistId: 'rx1', callback: { callbackId: id, number: CALLEE, attempt: 1 } });
    expect(pop.pop.callback.originalWaitMs).toBeGreaterThanOrEqual(1000);
    events.close();
    await lab.waitFor('completed', async () => (await callback(id)).status === 'completed');

    await lab.phoneHangup('rx1');
    await lab.waitFor('the callee leg ends too', async () => (await lab.phone(calleePhone(CALLEE))).activeChannelId === null);
    const done = await callback(id);
    expect(done.attemptList).toMatchObject([{ attempt: 1, channelId: `sb-cb-${id}-1`, receptionistId: 'rx1', status: 'answered' }]);
    // The later caller is served next.
    await lab.waitFor('the later caller is connected', async () => (await later.view()).connectedTo === 'rx1');
  });

  it('given the callee does not answer then the callback is retried with backoff, each attempt one outbound call, and succeeds on the third', async () => {
    const { lab } = office;
    const phone = calleePhone('5035558888');
    await lab.setPhone(phone, { kind: 'no-answer' });
    await office.setPresence('rx1', 'available');
    const created = await office.api('POST', '/api/callbacks', { clientId: 'acme', number: '5035558888', name: 'Dana', note: 'about the leak' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    await lab.waitFor('attempt 1 rings out', async () => (await callback(id)).attempts === 1 && (await callback(id)).status === 'scheduled', 15_000);
    expect(await office.presence('rx1')).toMatchObject({ kind: 'available' });
    await lab.setPhone(phone, { kind: 'busy' });
    await lab.waitFor('attempt 2 busy', async () => (await callback(id)).attempts === 2 && (await callback(id)).status === 'scheduled', 10_000);
    await lab.setPhone(phone, { kind: 'answer', afterMs: 100 });
    await lab.waitFor('attempt 3 answered', async () => (await callback(id)).status === 'completed', 10_000);
    await lab.waitFor('bridged', async () => (await office.ari<any[]>('/bridges')).find((b) => b.id === `sb-call-callback-${id}` && b.channels.length === 2));

    const final = await callback(id);
    expect(final.attemptList.map((a: any) => a.status)).toEqual(['no-answer', 'busy', 'answered']);
    expect((await lab.phone(phone)).offers).toBe(3);
    await lab.phoneHangup('rx1');
    const timeline = await lab.waitFor('attempts in the timeline', async () => {
      const entries = (await office.api('GET', `/api/callbacks/${id}`)).body.timeline as any[] | undefined;
      return entries && entries.filter((e) => e.kind === 'callback-attempt').length === 3 && entries;
    });
    expect(timeline.filter((e: any) => e.kind === 'callback-attempt').map((e: any) => [e.outcome, e.next])).toEqual([
      ['no-answer', 'retry'],
      ['busy', 'retry'],
      ['answered', 'done'],
    ]);
  });

  it('given the callee is always busy then the callback fails after 3 attempts and stays visible as failed', async () => {
    const { lab } = office;
    await lab.setPhone(calleePhone('5035556666'), { kind: 'busy' });
    await office.setPresence('rx1', 'available');
    const id = (await office.api('POST', '/api/callbacks', { clientId: 'acme', number: '5035556666' })).body.id as string;
    await lab.waitFor('failed', async () => (await callback(id)).status === 'failed', 15_000);
    const final = await callback(id);
    expect(final.attempts).toBe(3);
    expect(final.attemptList.map((a: any) => a.status)).toEqual(['busy', 'busy', 'busy']);
    expect((await lab.phone(calleePhone('5035556666'))).offers).toBe(3);
    expect((await office.api('GET', '/api/callbacks?clientId=acme&status=failed')).body.callbacks.map((c: any) => c.id)).toEqual([id]);
    await sleep(1500);
    expect((await lab.phone(calleePhone('5035556666'))).offers).toBe(3);
  });

  it('given a queued callback when Switchboard restarts then it keeps its place and is served after the restart', async () => {
    const { lab } = office;
    await lab.setPhone(calleePhone(CALLEE), { kind: 'answer', afterMs: 100 });
    const id = (await office.api('POST', '/api/callbacks', { clientId: 'acme', number: CALLEE })).body.id as string;
    expect((await callback(id)).status).toBe('queued');
    const waiter = await lab.placeCall({ did: DID, callerName: 'Waiter', callerNumber: '5035551212' });
    await lab.waitFor('waiting', async () => (await office.api('GET', '/api/queue')).body.waiting.length === 2);

    await office.restartSwitchboard();
    await lab.waitFor('the queue is rebuilt', async () => (await office.api('GET', '/api/queue')).body.waiting.length === 2);
    const queue = (await office.api('GET', '/api/queue')).body.waiting;
    expect(queue.map((w: any) => w.callId)).toEqual([`callback-${id}`, (await waiter.view()).channelId]);
    await office.setPresence('rx1', 'available');
    await lab.waitFor('completed after the restart', async () => (await callback(id)).status === 'completed');
    expect((await lab.phone(calleePhone(CALLEE))).offers).toBe(1);
  });

  it('given Switchboard restarts while an attempt is ringing then that attempt is never dialled again: it is recorded as interrupted and the next attempt calls back', async () => {
    const { lab } = office;
    const phone = calleePhone(CALLEE);
    await lab.setPhone(phone, { kind: 'no-answer' });
    await office.setPresence('rx1', 'available');
    const id = (await office.api('POST', '/api/callbacks', { clientId: 'acme', number: CALLEE })).body.id as string;
    await lab.waitFor('attempt 1 rings the callee', async () => (await lab.phone(phone)).ringing);
    await lab.waitFor('its outbox row says sent', async () => (await callback(id)).attemptList?.[0]?.status === 'sent');

    await lab.setPhone(phone, { kind: 'answer', afterMs: 100 });
    await office.restartSwitchboard();
    await lab.waitFor('attempt 2 answered', async () => (await callback(id)).status === 'completed', 10_000);
    const final = await callback(id);
    expect(final.attemptList.map((a: any) => [a.attempt, a.status])).toEqual([
      [1, 'interrupted'],
      [2, 'answered'],
    ]);
    expect((await lab.phone(phone)).offers).toBe(2);
  });

  describe('a connected callback survives Switchboard going away', () => {
    /** rx1 answers a callback and is bridged with the callee; returns the callback id and the bridge's legs. */
    const connectCallback = async () => {
      const { lab } = office;
      await lab.setPhone(calleePhone(CALLEE), { kind: 'answer', afterMs: 100 });
      await office.setPresence('rx1', 'available');
      const id = (await office.api('POST', '/api/callbacks', { clientId: 'acme', number: CALLEE, name: 'Dana' })).body.id as string;
      const bridge = await lab.waitFor('rx1 bridged with the callee', async () =>
        (await office.ari<any[]>('/bridges')).find((b) => b.id === `sb-call-callback-${id}` && b.channels.length === 2),
      );
      await lab.waitFor('completed', async () => (await callback(id)).status === 'completed');
      return { id, legs: [...bridge.channels].sort() as string[] };
    };

    /** Both legs still bridged, rx1 on-call; then the callee hangs up and everything ends once. */
    const thenStillConnectedUntilTheCalleeHangsUp = async (id: string, legs: string[]) => {
      const { lab } = office;
      // After an ARI reconnect (no restart) /health/ready stays ready while the resync runs: wait for it.
      await lab.waitFor('rx1 on-call after the reconcile', async () => (await office.api('GET', '/api/receptionists/rx1')).body?.presence?.kind === 'on-call');
      expect(await office.presence('rx1')).toMatchObject({ kind: 'on-call', callId: `callback-${id}` });
      await sleep(300); // anything the reconcile hung up would be gone by now
      const bridge = (await office.ari<any[]>('/bridges')).find((b) => b.id === `sb-call-callback-${id}`);
      expect([...bridge.channels].sort()).toEqual(legs);
      expect(legs).toContain(`sb-cb-${id}-1`);
      const channels = await office.ari<any[]>('/channels');
      for (const leg of legs) expect(channels.find((c) => c.id === leg)?.state).toBe('Up');

      await lab.phoneHangup(calleePhone(CALLEE));
      await lab.waitFor('the receptionist leg ends too', async () => (await lab.phone('rx1')).activeChannelId === null);
      await lab.waitFor('rx1 is free again', async () => (await office.presence('rx1')).kind === 'available');
      const done = await lab.waitFor('the callback ended', async () => {
        const cb = await callback(id);
        return cb.timeline?.some((e: any) => e.kind === 'ended') && cb;
      });
      expect(done.status).toBe('completed');
      expect(done.attemptList).toMatchObject([{ attempt: 1, channelId: `sb-cb-${id}-1`, receptionistId: 'rx1', status: 'answered' }]);
      const kinds = done.timeline.map((e: any) => e.kind);
      expect(kinds.filter((k: string) => k === 'callback-attempt')).toHaveLength(1);
      expect(kinds.filter((k: string) => k === 'ended')).toHaveLength(1);
      expect(done.timeline.find((e: any) => e.kind === 'ended')).toMatchObject({ outcome: 'completed', endedBy: 'caller' });
      expect((await lab.phone(calleePhone(CALLEE))).offers).toBe(1);
      expect((await office.ari<any[]>('/bridges')).find((b) => b.id === `sb-call-callback-${id}` && b.channels.length > 0)).toBeUndefined();
    };

    it('given a receptionist talking to a callback callee when Switchboard restarts then both legs stay bridged, the receptionist is on-call, and when the callee hangs up the receptionist leg ends and the callback is completed once', async () => {
      const { id, legs } = await connectCallback();
      await office.restartSwitchboard();
      await thenStillConnectedUntilTheCalleeHangsUp(id, legs);
    });

    it('given the Redis live state is lost during the restart then the connected callback is rebuilt from Asterisk and PostgreSQL', async () => {
      const { id, legs } = await connectCallback();
      await office.stopSwitchboard();
      const redis = new Redis(office.config.REDIS_URL, { maxRetriesPerRequest: 1 });
      const keys = await redis.keys(`${office.config.REDIS_PREFIX}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await office.start();
      await thenStillConnectedUntilTheCalleeHangsUp(id, legs);
    });

    it('given the ARI WebSocket drops while a callback is connected then it stays connected and ends normally', async () => {
      const { lab } = office;
      const { id, legs } = await connectCallback();
      office.switchboard.ari.dropSocket();
      await lab.waitFor('reconnected', async () => office.switchboard.ari.isConnected && office.switchboard.ari.reconnects > 0);
      await sleep(200); // the reconcile runs on the serial executor after the reconnect
      await thenStillConnectedUntilTheCalleeHangsUp(id, legs);
    });
  });

  describe('the API', () => {
    it('validates what it is given, with stable codes', async () => {
      const post = (body: unknown) => office.api('POST', '/api/callbacks', body);
      expect(await post({ clientId: 'nobody', number: '5035551234' })).toMatchObject({ status: 404, body: { error: { code: 'no-such-client' } } });
      expect(await post({ clientId: 'acme', number: '503-555;1234' })).toMatchObject({ status: 400, body: { error: { code: 'invalid-number' } } });
      expect(await post({ clientId: 'acme', number: '123' })).toMatchObject({ status: 400, body: { error: { code: 'number-not-allowed' } } });
      expect(await post({ clientId: 'acme', number: '5035551234', role: 'admin' })).toMatchObject({ status: 400, body: { error: { code: 'bad-request' } } });
      expect(await post({ clientId: 'acme', number: '5035551234', notBefore: 'tomorrow' })).toMatchObject({ status: 400, body: { error: { code: 'bad-request' } } });
      expect((await office.api('GET', '/api/callbacks?status=bogus')).status).toBe(400);
      expect(await office.api('GET', '/api/callbacks/nope')).toMatchObject({ status: 404, body: { error: { code: 'no-such-callback' } } });
    });

    it('scopes callbacks by client, schedules for later and cancels', async () => {
      const notBefore = new Date(Date.now() + 3_600_000).toISOString();
      const mine = await office.api('POST', '/api/callbacks', { clientId: 'acme', number: '+15035551234', name: 'Lee', notBefore });
      const theirs = await office.api('POST', '/api/callbacks', { clientId: 'other', number: '5035554321' });
      expect(mine).toMatchObject({ status: 201, body: { clientId: 'acme', number: '+15035551234', name: 'Lee', status: 'scheduled', source: 'api', did: DID } });
      expect(new Date(mine.body.dueAt).getTime()).toBe(Date.parse(notBefore));

      expect((await office.api('GET', '/api/callbacks?clientId=acme')).body.callbacks.map((c: any) => c.id)).toEqual([mine.body.id]);
      expect((await office.api('GET', `/api/callbacks/${theirs.body.id}?clientId=acme`)).status).toBe(404);
      expect((await office.api('DELETE', `/api/callbacks/${theirs.body.id}?clientId=acme`)).status).toBe(404);
      expect((await office.api('GET', `/api/callbacks/${theirs.body.id}?clientId=other`)).body).toMatchObject({ clientId: 'other', status: 'queued' });

      expect(await office.api('DELETE', `/api/callbacks/${mine.body.id}?clientId=acme`)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
      expect(await office.api('DELETE', `/api/callbacks/${mine.body.id}`)).toMatchObject({ status: 409, body: { error: { code: 'callback-finished' } } });
      expect(await office.api('DELETE', `/api/callbacks/${theirs.body.id}`)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
      expect((await office.api('GET', '/api/queue')).body.waiting).toEqual([]);
    });
  });
});

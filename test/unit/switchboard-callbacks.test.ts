import { describe, expect, it } from 'vitest';
import type { BusinessSchedule } from '../../src/domain/business-hours';
import { callbackCallId, nextOpenAt, planRetry, type CallbackTicket } from '../../src/domain/callbacks';
import type { CallbackEvent, Command } from '../../src/domain/messages';
import type { ReceptionistSnapshot } from '../../src/domain/receptionist';
import type { ConnectedCallback } from '../../src/domain/switchboard';
import { clientProfile, concerns, Office, ofType, offered } from './support/office';

const ALWAYS: BusinessSchedule = { timeZone: 'UTC', hours: [], closures: [] };
const client = clientProfile({ callbackOfferAfterSeconds: 30 });

function ticket(id: string, overrides: Partial<CallbackTicket> = {}): CallbackTicket {
  return {
    id,
    clientId: client.id,
    number: '5035559999',
    name: 'Pat',
    note: '',
    did: '5035550100',
    attempts: 0,
    enqueuedAt: 0,
    priorityTier: 0,
    originalWaitMs: 0,
    originalCallId: null,
    schedule: ALWAYS,
    ...overrides,
  };
}

/** Feeds a callback event through the office's bookkeeping (timers, invariants, history). */
function callback(office: Office, event: CallbackEvent): Command[] {
  const commands = office.sb.handleCallback(event, office.now);
  (office as unknown as { record(input: string, c: Command[]): void }).record(event.type, commands);
  office.last = commands;
  return commands;
}

function officeWithBusyReceptionist(): Office {
  const office = new Office(1_000_000);
  office.client = client;
  office.givenReceptionists({ ann: 1_000_000 }, { wrapUpSeconds: 5 });
  office.setPresence('ann', { kind: 'paused', reason: 'lunch' });
  return office;
}

const dial = (commands: Command[]) => ofType(commands, 'dial-callback')[0];
const updates = (commands: Command[]) => ofType(commands, 'callback-update').map((c) => c.status);

describe('callbacks in the queue', () => {
  it('given a client that offers callbacks after 30 s when a caller has waited 30 s then they are offered a callback once', () => {
    const office = officeWithBusyReceptionist();
    office.callArrives('c1', { caller: { name: 'Pat', number: '5035551234' } });
    expect(ofType(office.advance(29_999), 'offer-callback')).toEqual([]);
    expect(ofType(office.advance(1), 'offer-callback')).toEqual([{ type: 'offer-callback', callId: 'c1', callerNumber: '5035551234' }]);
    expect(ofType(office.advance(600_000), 'offer-callback')).toEqual([]);
    expect(office.call('c1')?.callbackOffered).toBe(true);
  });

  it('given a client with callbacks off when a caller waits long then no callback is offered', () => {
    const office = officeWithBusyReceptionist();
    office.client = clientProfile();
    office.callArrives('c1');
    expect(ofType(office.advance(3_600_000), 'offer-callback')).toEqual([]);
  });

  it('given two callers when the first takes a callback then the callback keeps their place ahead of the second, and the caller is recorded as called back', () => {
    const office = officeWithBusyReceptionist();
    office.callArrives('c1');
    office.advance(10_000);
    office.callArrives('c2');
    office.advance(30_000);
    const out = callback(office, { type: 'callback-requested', callId: 'c1', ticket: ticket('cb1') });
    expect(updates(out)).toEqual(['queued']);
    expect(office.waitingIds()).toEqual([callbackCallId('cb1'), 'c2']);
    expect(office.sb.waiting()[0]).toMatchObject({ enqueuedAt: 1_000_000, callbackId: 'cb1' });
    expect(office.timeline('c1').map((e) => e.kind)).toEqual(['arrived', 'callback-requested', 'ended']);
    expect(office.timeline('c1').at(-1)).toMatchObject({ outcome: 'callback' });
    // No hold music for a callback: nobody is on the line.
    expect(out.filter((c) => concerns(c, callbackCallId('cb1')) && c.type === 'hold-caller')).toEqual([]);

    office.setPresence('ann', { kind: 'available' });
    expect(offered(office.last)).toEqual([`${callbackCallId('cb1')}->ann`]);
  });

  it('given a callback at the front when the receptionist answers then their leg is held, the callee is dialled once with the attempt channel id, and the screen pop says callback with the original wait', () => {
    const office = officeWithBusyReceptionist();
    office.callArrives('c1', { caller: { name: 'Pat', number: '5035551234' } });
    office.advance(45_000);
    callback(office, { type: 'callback-requested', callId: 'c1', ticket: ticket('cb1', { number: '5035557777' }) });
    office.setPresence('ann', { kind: 'available' });
    const out = office.pickUp('ann');
    expect(ofType(out, 'hold-receptionist')).toHaveLength(1);
    expect(dial(out)).toMatchObject({ callbackId: 'cb1', attempt: 1, channelId: 'sb-cb-cb1-1', number: '5035557777', did: '5035550100', receptionistId: 'ann' });
    expect(ofType(out, 'screen-pop')[0].pop).toMatchObject({ callerNumber: '5035557777', waitMs: 45_000, callback: { callbackId: 'cb1', attempt: 1, originalWaitMs: 45_000 } });
    expect(office.presenceOf('ann')).toBe('on-call');

    const answered = callback(office, { type: 'callee-answered', channelId: 'sb-cb-cb1-1' });
    expect(ofType(answered, 'connect-callee')).toEqual([{ type: 'connect-callee', callId: callbackCallId('cb1'), channelId: 'sb-cb-cb1-1' }]);
    expect(updates(answered)).toEqual(['completed']);

    office.receptionistHangsUp(callbackCallId('cb1'));
    expect(ofType(office.last, 'hangup-callee')).toHaveLength(1);
    expect(office.presenceOf('ann')).toBe('wrap-up');
  });

  it('given the callee does not answer then the receptionist is released, attempts are retried after 2 and 5 minutes, and after the third the callback fails', () => {
    const office = officeWithBusyReceptionist();
    callback(office, { type: 'callback-scheduled', ticket: ticket('cb1', { enqueuedAt: office.now }), client, dueAt: office.now });
    office.setPresence('ann', { kind: 'available' });

    office.pickUp('ann');
    let out = callback(office, { type: 'callee-ended', channelId: 'sb-cb-cb1-1', reason: 'no-answer' });
    expect(office.presenceOf('ann')).toBe('wrap-up');
    const retry = ofType(out, 'callback-update').at(-1)!;
    expect(retry).toMatchObject({ status: 'scheduled', dueAt: office.now + 120_000, attempt: { n: 1, outcome: 'no-answer' } });
    expect(office.timeline(callbackCallId('cb1')).find((e) => e.kind === 'callback-attempt')).toMatchObject({ attempt: 1, outcome: 'no-answer', next: 'retry' });

    expect(offered(office.advance(119_999))).toEqual([]);
    expect(offered(office.advance(1))).toEqual([`${callbackCallId('cb1')}->ann`]);
    out = office.pickUp('ann');
    expect(dial(out)).toMatchObject({ attempt: 2, channelId: 'sb-cb-cb1-2' });
    out = callback(office, { type: 'callee-ended', channelId: 'sb-cb-cb1-2', reason: 'busy' });
    expect(ofType(out, 'callback-update').at(-1)).toMatchObject({ status: 'scheduled', dueAt: office.now + 300_000 });

    office.advance(300_000);
    out = office.pickUp('ann');
    expect(dial(out)).toMatchObject({ attempt: 3 });
    // The callee's phone rings past the ring timeout: counted as no answer.
    out = office.advance(35_000);
    expect(ofType(out, 'hangup-callee')).toHaveLength(1);
    expect(ofType(out, 'callback-update').at(-1)).toMatchObject({ status: 'failed', attempt: { n: 3, outcome: 'no-answer' } });
    expect(office.advance(3_600_000).filter((c) => c.type === 'originate')).toEqual([]);
    expect(office.sb.hasCallback('cb1')).toBe(false);
  });

  it('given a callback due outside business hours then it waits for the next opening before it joins the queue', () => {
    // 2026-11-27 is a Friday; the client is open Monday to Friday 09:00-17:00 UTC.
    const friday1659 = Date.UTC(2026, 10, 27, 16, 59);
    const monday0900 = Date.UTC(2026, 10, 30, 9, 0);
    const hours: BusinessSchedule = {
      timeZone: 'UTC',
      hours: [1, 2, 3, 4, 5].map((d) => ({ weekday: d as 1, opens: '09:00', closes: '17:00' })),
      closures: [],
    };
    expect(new Date(friday1659).getUTCDay()).toBe(5);
    expect(planRetry(1, friday1659, { maxAttempts: 3, retryDelaysMs: [120_000], ringTimeoutSeconds: 30 }, hours)).toEqual({ kind: 'retry', dueAt: monday0900 });
    expect(nextOpenAt(hours, Date.UTC(2026, 10, 30, 10, 0))).toBe(Date.UTC(2026, 10, 30, 10, 0));
    expect(nextOpenAt({ ...hours, closures: [{ firstDay: '2026-11-30', lastDay: '2026-11-30', label: 'holiday' }] }, friday1659 + 120_000)).toBe(Date.UTC(2026, 11, 1, 9, 0));

    const office = new Office(friday1659 + 120_000);
    office.client = client;
    office.givenReceptionists({ ann: friday1659 + 120_000 });
    const out = callback(office, { type: 'callback-scheduled', ticket: ticket('cb1', { schedule: hours, enqueuedAt: friday1659 }), client, dueAt: office.now });
    expect(offered(out)).toEqual([]);
    expect(ofType(out, 'callback-update')[0]).toMatchObject({ status: 'scheduled', dueAt: monday0900 });
    expect(offered(office.advanceTo(monday0900 - 1))).toEqual([]);
    expect(offered(office.advanceTo(monday0900))).toEqual([`${callbackCallId('cb1')}->ann`]);
  });

  it('given a queued callback when it is cancelled then it leaves the queue; a callback being dialled cannot be cancelled', () => {
    const office = officeWithBusyReceptionist();
    callback(office, { type: 'callback-scheduled', ticket: ticket('cb1'), client, dueAt: office.now });
    callback(office, { type: 'callback-scheduled', ticket: ticket('cb2'), client, dueAt: office.now + 60_000 });
    const cancelled = office.sb.cancelCallback('cb1', office.now);
    expect(cancelled.ok && updates(cancelled.commands)).toEqual(['cancelled']);
    expect(office.waitingIds()).toEqual([]);
    const later = office.sb.cancelCallback('cb2', office.now);
    expect(later.ok && updates(later.commands)).toEqual(['cancelled']);
    expect(office.sb.cancelCallback('nope', office.now)).toEqual({ ok: false, code: 'no-such-callback' });

    callback(office, { type: 'callback-scheduled', ticket: ticket('cb3'), client, dueAt: office.now });
    office.setPresence('ann', { kind: 'available' });
    office.pickUp('ann');
    expect(office.sb.cancelCallback('cb3', office.now)).toEqual({ ok: false, code: 'callback-in-progress' });
  });

  it('given the caller was connected meanwhile when their callback request arrives then it is refused', () => {
    const office = new Office(0);
    office.client = client;
    office.givenReceptionists({ ann: 0 });
    office.callArrives('c1');
    office.pickUp('ann');
    const out = callback(office, { type: 'callback-requested', callId: 'c1', ticket: ticket('cb1') });
    expect(out.filter((c) => c.type !== 'cancel-timer')).toEqual([]);
    expect(office.sb.hasCallback('cb1')).toBe(false);
  });

  it('given a restart when callbacks are restored then a queued callback keeps its place ahead of later callers', () => {
    const office = new Office(100_000);
    office.client = client;
    office.hire(['ann']);
    office.restore({
      receptionists: [{ id: 'ann', name: 'ANN', presence: { kind: 'paused', reason: 'lunch' }, idleSince: 0, presenceSince: 0, missedInRow: 0, reachable: true, pending: null }],
      calls: [
        {
          client,
          snapshot: {
            id: 'c2', clientId: client.id, did: '1', caller: { name: '', number: '' }, knownNumber: true, arrivedAt: 50_000, enqueuedAt: 50_000,
            priorityTier: 0, phase: 'waiting', offer: null, receptionistId: null, answeredAt: null, onHold: true,
          },
        },
      ],
      callbacks: [{ ticket: ticket('cb1', { enqueuedAt: 10_000 }), client, dueAt: 100_000 }],
    });
    expect(office.waitingIds()).toEqual([callbackCallId('cb1'), 'c2']);
    office.setPresence('ann', { kind: 'available' });
    expect(offered(office.last)).toEqual([`${callbackCallId('cb1')}->ann`]);
  });

  describe('a connected callback across a restart', () => {
    const connected = (over: Partial<ConnectedCallback> = {}): ConnectedCallback => ({
      ticket: ticket('cb1', { attempts: 2, enqueuedAt: 10_000 }),
      client,
      offerId: 'sb-offer-ann-x',
      receptionistId: 'ann',
      calleeChannelId: 'sb-cb-cb1-2',
      calleeAnswered: true,
      answeredAt: 90_000,
      ...over,
    });
    const restored = (receptionists: ReceptionistSnapshot[], over: Partial<ConnectedCallback> = {}) => {
      const office = new Office(100_000);
      office.client = client;
      office.hire(['ann'], { wrapUpSeconds: 5 });
      const out = office.restore({ receptionists, calls: [], connectedCallbacks: [connected(over)] });
      return { office, out };
    };
    const onCall: ReceptionistSnapshot = {
      id: 'ann', name: 'ANN', presence: { kind: 'on-call', callId: callbackCallId('cb1') }, idleSince: 0, presenceSince: 0, missedInRow: 0, reachable: true, pending: null,
    };

    it('given a callback connected before the restart when it is restored then the receptionist stays on-call, nothing is dialled or recorded, and when the callee hangs up the receptionist leg ends and it ends completed once', () => {
      const { office, out } = restored([onCall]);
      expect(office.presenceOf('ann')).toBe('on-call');
      expect(out.filter((c) => ['dial-callback', 'callback-update', 'log', 'originate', 'hold-receptionist', 'connect-callee'].includes(c.type))).toEqual([]);
      expect(office.waitingIds()).toEqual([]);
      expect(office.sb.cancelCallback('cb1', office.now)).toEqual({ ok: false, code: 'callback-in-progress' });

      office.advance(30_000);
      const end = callback(office, { type: 'callee-ended', channelId: 'sb-cb-cb1-2', reason: 'hangup' });
      expect(ofType(end, 'hangup-leg')).toEqual([{ type: 'hangup-leg', callId: callbackCallId('cb1'), offerId: 'sb-offer-ann-x' }]);
      expect(ofType(end, 'callback-update')).toEqual([]);
      expect(office.timeline(callbackCallId('cb1'))).toEqual([
        { kind: 'ended', callId: callbackCallId('cb1'), at: 130_000, outcome: 'completed', waitMs: 80_000, endedBy: 'caller' },
      ]);
      expect(office.presenceOf('ann')).toBe('wrap-up');
      // The receptionist leg's own end afterwards changes nothing.
      expect(office.legEnds('sb-offer-ann-x', 'hangup').filter((c) => c.type === 'log')).toEqual([]);
    });

    it('given the live state was lost (no receptionist snapshot) when the callback is restored then the receptionist is put on-call, and their hang-up ends the callee leg', () => {
      const { office } = restored([]);
      expect(office.presenceOf('ann')).toBe('on-call');
      const end = office.legEnds('sb-offer-ann-x', 'hangup');
      expect(ofType(end, 'hangup-callee')).toEqual([{ type: 'hangup-callee', callId: callbackCallId('cb1'), channelId: 'sb-cb-cb1-2' }]);
      expect(office.timeline(callbackCallId('cb1'))).toMatchObject([{ kind: 'ended', outcome: 'completed', endedBy: 'receptionist' }]);
      expect(office.presenceOf('ann')).toBe('wrap-up');
    });

    it('given the callee answered while Switchboard was away when the answer is fed after the restore then it is recorded once as answered and completed', () => {
      const { office } = restored([onCall], { calleeAnswered: false, answeredAt: null });
      const answered = callback(office, { type: 'callee-answered', channelId: 'sb-cb-cb1-2' });
      expect(ofType(answered, 'callback-update')).toMatchObject([{ status: 'completed', attempt: { n: 2, outcome: 'answered' } }]);
      expect(office.timeline(callbackCallId('cb1'))).toMatchObject([{ kind: 'callback-attempt', attempt: 2, outcome: 'answered', next: 'done' }]);
      expect(ofType(callback(office, { type: 'callee-answered', channelId: 'sb-cb-cb1-2' }), 'callback-update')).toEqual([]);
    });

    it('given a connected callback when the ARI socket reconnects then the switchboard lists it for reconcile, and nothing of it is pending for the outbox rules', () => {
      const { office } = restored([onCall]);
      expect(office.sb.connectedCallbacks()).toMatchObject([{ offerId: 'sb-offer-ann-x', calleeChannelId: 'sb-cb-cb1-2', calleeAnswered: true, answeredAt: 90_000 }]);
      expect(office.sb.pendingCallbacks()).toEqual([]);
    });
  });
});

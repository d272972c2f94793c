import { beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { CallService } from '../../src/calls/call-service';
import type { ClientProfile } from '../../src/domain/model';
import type { Timers } from '../../src/ports/clock';
import { formatCallerId } from '../../src/adapters/ari/ari-call-control';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';

const acme: ClientProfile = {
  id: 'acme',
  name: 'Acme',
  greeting: 'Hi',
  mohClass: 'acme',
  holdPrompt: null,
  announcePosition: false,
  priorityTier: 0,
  maxWaitSeconds: 0,
  overflow: { kind: 'voicemail', mailbox: 'acme', greeting: 'sound:vm-intro', maxSeconds: 60 },
};
const fallback: ClientProfile = { ...acme, id: 'default', name: 'Default', mohClass: 'default' };

const noTimers: Timers = { start() {}, cancel() {}, cancelAll() {} };

function stasisStart(id: string, args: unknown, caller: unknown = { name: 'Lab Caller', number: '5035551234' }) {
  return {
    type: 'StasisStart',
    timestamp: '2026-11-22T10:22:51.273+0000',
    args,
    channel: { id, name: 'PJSIP/trunk-00000033', state: 'Ring', caller, connected: { name: '', number: '' }, dialplan: { context: 'from-trunk', exten: '5035550100', priority: 2, app_name: 'Stasis', app_data: 'switchboard,inbound,5035550100' }, creationtime: '2026-11-22T10:22:51.272+0000', language: 'en' },
    application: 'switchboard',
  };
}

describe('call service: ARI events in, PBX requests out', () => {
  let pbx: RecordingPbx;
  let directory: MemoryDirectory;
  let callLog: MemoryCallLog;
  let service: CallService;

  beforeEach(async () => {
    pbx = new RecordingPbx();
    directory = new MemoryDirectory();
    directory.clients.set('acme', acme);
    directory.numbers.set('5035550100', 'acme');
    directory.people.set('rx1', { id: 'rx1', name: 'Sam', endpoint: 'PJSIP/rx1', groupId: 'g', wrapUpSeconds: 5, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
    callLog = new MemoryCallLog();
    service = new CallService({
      app: 'switchboard',
      pbx,
      directory,
      liveState: new MemoryLiveState(),
      callLog,
      notifier: new NoticeHub(),
      timers: noTimers,
      clock: { now: () => 1_000 },
      logger: pino({ level: 'silent' }),
      defaultClient: fallback,
    });
    await service.onPbxConnected();
    await service.setPresence('rx1', { kind: 'available' });
    pbx.requests = [];
  });

  const settle = () => new Promise((r) => setTimeout(r, 10));

  it('given a free receptionist when a caller enters Stasis then the originate is the first request, before ringing the caller', async () => {
    service.onAriEvent(stasisStart('pbx1-1.51', ['inbound', '5035550100']) as never);
    await settle();
    expect(pbx.requests[0].op).toBe('originate');
    expect(pbx.requests[0].args[0]).toMatchObject({ endpoint: 'PJSIP/rx1', appArgs: 'offer,pbx1-1.51,rx1', callerName: 'Lab Caller', callerNumber: '5035551234' });
    expect((pbx.requests[0].args[0] as { channelId: string }).channelId).toMatch(/^sb-offer-rx1-/);
    expect(pbx.requests[1]).toEqual({ op: 'ring', args: ['pbx1-1.51'] });
    expect(callLog.entries[0]).toMatchObject({ kind: 'arrived', clientId: 'acme', knownNumber: true });
  });

  it('given malformed and unknown events then they are skipped and the next good event still works', async () => {
    for (const bad of [{ type: 'StasisStart' }, { type: 'StasisStart', channel: { id: 42 } }, { type: 'NoSuchEvent', x: 1 }, { type: 'Dial', peer: null }, { type: 'ChannelDestroyed', channel: 'x' }, { type: 'PlaybackFinished' }]) {
      service.onAriEvent(bad as never);
    }
    await settle();
    expect(pbx.requests).toEqual([]);
    service.onAriEvent(stasisStart('ok-1', ['inbound', '5035550100']) as never);
    await settle();
    expect(pbx.ops('originate')).toHaveLength(1);
  });

  it('given hostile caller-ID text then it reaches the PBX and the log as plain bounded text', async () => {
    const name = 'Evil"\r\nAction: Originate\r\n<script>alert(1)</script>' + 'x'.repeat(500);
    service.onAriEvent(stasisStart('evil-1', ['inbound', '5035550100'], { name, number: '503;DROP TABLE' }) as never);
    await settle();
    const req = pbx.ops('originate')[0][0] as { callerName: string; callerNumber: string };
    expect(req.callerName).not.toMatch(/[\u0000-\u001f]/);
    expect(req.callerName.length).toBeLessThanOrEqual(80);
    expect(req.callerName).toContain('<script>'); // kept as data; escaping is the console's job
    expect(formatCallerId(req.callerName, req.callerNumber)).toMatch(/^"[^"<>\r\n]{1,64}" <503>$/);
    expect(formatCallerId('a"b<c>', '503;DROP')).toBe('"abc" <503>');
  });

  it('given a number no client owns, or garbage instead of a number, then the company-wide default takes the call', async () => {
    service.onAriEvent(stasisStart('u-1', ['inbound', '5039999999']) as never);
    service.onAriEvent(stasisStart('u-2', ['inbound', '../../etc/passwd']) as never);
    service.onAriEvent(stasisStart('u-3', 'not-a-list') as never);
    await settle();
    const arrived = callLog.entries.filter((e) => e.kind === 'arrived');
    expect(arrived.map((e) => [e.callId, (e as { clientId: string }).clientId])).toEqual([
      ['u-1', 'default'],
      ['u-2', 'default'],
      ['u-3', 'default'],
    ]);
  });

  it('given the directory fails when a caller arrives then the call is still taken, on the default client', async () => {
    directory.clientForNumber = async () => {
      throw new Error('connection refused');
    };
    service.onAriEvent(stasisStart('d-1', ['inbound', '5035550100']) as never);
    await settle();
    expect(pbx.ops('originate')).toHaveLength(1);
    expect(callLog.entries[0]).toMatchObject({ clientId: 'default' });
  });

  it('given a busy phone when the leg is destroyed then the miss is logged and the caller offered again', async () => {
    service.onAriEvent(stasisStart('b-1', ['inbound', '5035550100']) as never);
    await settle();
    const offerId = (pbx.ops('originate')[0][0] as { channelId: string }).channelId;
    service.onAriEvent({ type: 'Dial', dialstatus: 'BUSY', peer: { id: offerId } } as never);
    service.onAriEvent({ type: 'ChannelDestroyed', cause: 17, channel: { id: offerId } } as never);
    await settle();
    expect(callLog.entries.find((e) => e.kind === 'offer-ended')).toMatchObject({ outcome: 'busy' });
    expect(pbx.ops('originate')).toHaveLength(2);
    expect(pbx.ops('startBridgeMoh')).toEqual([]);
  });
});

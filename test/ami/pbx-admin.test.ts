import { afterEach, describe, expect, it } from 'vitest';
import { AmiError, AmiPbxAdmin, DEFAULT_FALLBACK_QUEUE, FALLBACK_PAUSE_REASON } from '../../src/adapters/ami';
import { amiLab, recordingLogger, trackEscapes, type AmiLab } from './support';

let lab: AmiLab | null = null;
const escapes = trackEscapes();
afterEach(async () => {
  await lab?.close();
  lab = null;
  expect(escapes.escaped).toEqual([]);
});

const members = (l: AmiLab) =>
  l.ami
    .queueMembers(DEFAULT_FALLBACK_QUEUE)
    .map((m) => `${m.interface}:${m.membership}${m.paused ? ':paused' : ''}`)
    .sort();

describe('PBX admin over AMI', () => {
  it('reloads the dialplan and res_pjsip with the Reload action and returns what Asterisk said', async () => {
    lab = await amiLab();
    const admin = new AmiPbxAdmin(lab.client, recordingLogger().logger);
    expect(await admin.reloadDialplan()).toBe('Module Reloaded');
    expect(await admin.reloadPjsip()).toBe('Module Reloaded');
    expect(await admin.command('dialplan reload')).toBe('Dialplan reloaded.');
    expect(lab.ami.reloads()).toEqual(['pbx_config.so', 'res_pjsip.so', 'command:dialplan reload']);
  });

  it('given the fallback queue has a stale member and a static one when synced then it holds exactly the logged-in phones, and a second sync changes nothing', async () => {
    lab = await amiLab({ queues: { [DEFAULT_FALLBACK_QUEUE]: ['PJSIP/rx3'] } });
    const admin = new AmiPbxAdmin(lab.client, recordingLogger().logger);
    await lab.client.action({ Action: 'QueueAdd', Queue: DEFAULT_FALLBACK_QUEUE, Interface: 'PJSIP/old' });

    const first = await admin.syncFallbackQueue(DEFAULT_FALLBACK_QUEUE, ['PJSIP/rx1', 'PJSIP/rx2']);
    expect(first).toEqual({ queue: DEFAULT_FALLBACK_QUEUE, added: ['PJSIP/rx1', 'PJSIP/rx2'], removed: ['PJSIP/old'], paused: ['PJSIP/rx3'], unpaused: [] });
    expect(members(lab)).toEqual(['PJSIP/rx1:dynamic', 'PJSIP/rx2:dynamic', 'PJSIP/rx3:static:paused']);
    expect(lab.ami.queueMembers(DEFAULT_FALLBACK_QUEUE).find((m) => m.interface === 'PJSIP/rx3')?.pausedReason).toBe(FALLBACK_PAUSE_REASON);

    const again = await admin.syncFallbackQueue(DEFAULT_FALLBACK_QUEUE, ['PJSIP/rx1', 'PJSIP/rx2']);
    expect(again).toEqual({ queue: DEFAULT_FALLBACK_QUEUE, added: [], removed: [], paused: [], unpaused: [] });

    const later = await admin.syncFallbackQueue(DEFAULT_FALLBACK_QUEUE, ['PJSIP/rx2', 'PJSIP/rx3']);
    expect(later).toMatchObject({ added: [], removed: ['PJSIP/rx1'], paused: [], unpaused: ['PJSIP/rx3'] });
    expect(members(lab)).toEqual(['PJSIP/rx2:dynamic', 'PJSIP/rx3:static']);
  });

  it('given no such queue then the sync fails with a clear error and changes nothing', async () => {
    lab = await amiLab();
    const admin = new AmiPbxAdmin(lab.client, recordingLogger().logger);
    await expect(admin.syncFallbackQueue('no-such-queue', ['PJSIP/rx1'])).rejects.toThrow(/no such app_queue queue: no-such-queue/);
    expect(lab.ami.actions().filter((a) => a.Action === 'QueueAdd')).toEqual([]);
  });

  it('given AMI is down then the sync fails at once with ami-not-connected', async () => {
    lab = await amiLab();
    await lab.client.stop();
    const admin = new AmiPbxAdmin(lab.client, recordingLogger().logger);
    const err = await admin.syncFallbackQueue(DEFAULT_FALLBACK_QUEUE, ['PJSIP/rx1']).catch((e: AmiError) => e);
    expect(err).toBeInstanceOf(AmiError);
    expect((err as AmiError).code).toBe('ami-not-connected');
  });
});

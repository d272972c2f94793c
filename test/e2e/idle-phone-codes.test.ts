import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AsteriskSimulator } from '../../src/simulator';
import { Office } from './support/office';

const DID = '5035550100';

/**
 * Feature codes dialled from an idle desk phone (dialplan/receptionists.conf: `*11` log in, `*12`
 * log out, `*13<code>` pause, `*14` unpause, `*15` next caller, `701`-`720` retrieve). The phone
 * is known by its channel name, which only a SIP phone has: on a real Asterisk this needs a
 * registered phone, which the Local-channel lab does not have, so these run on the simulator.
 */
describe.skipIf(!!process.env.ASTERISK_ARI_URL)('feature codes from an idle phone', () => {
  let office: Office;
  let sim: AsteriskSimulator;

  const dial = async (phone: string, code: string) => {
    const { channelId } = sim.phoneDials(phone, code);
    // The phone hears its tone and is hung up by Switchboard.
    await office.lab.waitFor(`${phone} ${code} done`, async () => !sim.channel(channelId)?.alive);
    return sim.channel(channelId)!;
  };
  const presence = async (id: string) => (await office.api('GET', `/api/receptionists/${id}`)).body.presence;

  beforeAll(async () => {
    office = await Office.open();
    sim = (office.lab as unknown as { sim: AsteriskSimulator }).sim;
    await office.seed({ clients: [{ id: 'acme', numbers: [DID] }], receptionists: [{ id: 'ann' }, { id: 'bob', wrapUpSeconds: 60 }] });
    await office.lab.setPhone('ann', { kind: 'answer', afterMs: 50 });
    await office.lab.setPhone('bob', { kind: 'answer', afterMs: 50 });
  });

  afterAll(async () => {
    await office.close();
  });

  it('given a logged-out receptionist when their phone dials *11, *13 with a reason, *14 and *12 then their state follows, and no caller is ever queued', async () => {
    expect(await presence('ann')).toEqual({ kind: 'logged-out' });
    await dial('ann', '*11');
    expect(await presence('ann')).toEqual({ kind: 'available' });
    await dial('ann', '*1342');
    expect(await presence('ann')).toEqual({ kind: 'paused', reason: 'phone-42' });
    await dial('ann', '*14');
    expect(await presence('ann')).toEqual({ kind: 'available' });
    await dial('ann', '*12');
    expect(await presence('ann')).toEqual({ kind: 'logged-out' });
    expect((await office.api('GET', '/api/queue')).body.waiting).toEqual([]);
    expect((await office.api('GET', '/api/calls/live')).body.calls).toEqual([]);
  });

  it('given bob in a long wrap-up and a caller waiting when bob dials *15 then the caller is offered to him at once', async () => {
    await office.setPresence('ann', 'logged-out');
    await office.setPresence('bob', 'available');
    const first = await office.lab.placeCall({ did: DID, callerName: 'Pat', callerNumber: '5035551234' });
    await office.lab.waitFor('bob on the first call', async () => (await first.view()).connectedTo === 'bob');
    const second = await office.lab.placeCall({ did: DID, callerName: 'Lee', callerNumber: '5035554321' });
    await office.lab.waitFor('second caller waiting', async () => (await office.api('GET', '/api/queue')).body.waiting.length === 1);
    await first.hangup();
    await office.lab.waitFor('bob in wrap-up', async () => (await presence('bob')).kind === 'wrap-up');

    await dial('bob', '*15');
    await office.lab.waitFor('second caller with bob', async () => (await second.view()).connectedTo === 'bob');
    await second.hangup();
  });

  it('given a caller parked in 701 when two idle phones dial 701 at once then exactly one gets the caller, the other hears the error tone', async () => {
    await office.setPresence('bob', 'logged-out');
    await office.setPresence('ann', 'available');
    const caller = await office.lab.placeCall({ did: DID, callerName: 'Kim', callerNumber: '5035559999' });
    const { channelId } = await office.lab.waitFor('caller with ann', async () => {
      const v = await caller.view();
      return v.connectedTo === 'ann' && v;
    });
    const parked = await office.api('POST', `/api/calls/${encodeURIComponent(channelId)}/park`, { receptionistId: 'ann' });
    expect(parked.status).toBe(200);
    await office.lab.waitFor('parked in 701', async () => (await office.api('GET', '/api/parked')).body.parked[0]?.slot === '701');
    await office.lab.waitFor('ann free', async () => ['available', 'wrap-up'].includes((await presence('ann')).kind));
    await office.setPresence('ann', 'available');
    await office.setPresence('bob', 'available');

    const played: string[] = [];
    const stop = sim.onEvent((e) => {
      const pb = e.playback as { media_uri?: string; target_uri?: string } | undefined;
      if (e.type === 'PlaybackStarted' && pb?.media_uri && pb.target_uri?.startsWith('channel:')) played.push(pb.media_uri);
    });
    await Promise.all([dial('ann', '701'), dial('bob', '701')]);
    stop();
    expect(played.sort()).toEqual(['sound:beep', 'sound:beeperr']);
    const winner = await office.lab.waitFor('one of them rings and takes the caller', async () => {
      const v = await caller.view();
      return (v.connectedTo === 'ann' || v.connectedTo === 'bob') && v.connectedTo;
    }, 6000);
    expect(['ann', 'bob']).toContain(winner);
    expect((await office.api('GET', '/api/parked')).body.parked).toEqual([]);
    await caller.hangup();
  });

  it('given a phone no receptionist has, or a code that is not one, then the phone hears the error tone and nothing changes', async () => {
    sim.setPhone('lobby', { kind: 'answer', afterMs: 50 });
    const before = (await office.api('GET', '/api/receptionists')).body.receptionists;
    const played: string[] = [];
    const stop = sim.onEvent((e) => {
      const pb = e.playback as { media_uri?: string; target_uri?: string } | undefined;
      if (e.type === 'PlaybackStarted' && pb?.media_uri) played.push(`${pb.target_uri} ${pb.media_uri}`);
    });
    const unknownPhone = await dial('lobby', '*11');
    stop();
    expect(played).toEqual([`channel:${unknownPhone.id} sound:beeperr`]);
    await dial('ann', '*99'); // not a code: the dialplan plays ss-noservice, Stasis never sees it
    expect((await office.api('GET', '/api/receptionists')).body.receptionists).toEqual(before);
  });
});

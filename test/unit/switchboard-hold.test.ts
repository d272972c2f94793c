import { describe, expect, it } from 'vitest';
import { Office, clientProfile, ofType } from './support/office';

const prompt = { media: 'sound:acme-prompt', everySeconds: 30 };

describe('hold treatment: music, periodic prompt, position', () => {
  function busyOffice(client = clientProfile({ holdPrompt: prompt })) {
    const office = new Office().givenReceptionists({ ann: 0 }, { wrapUpSeconds: 0 });
    office.client = client;
    office.callArrives('c0');
    office.pickUp('ann');
    return office;
  }

  it('given a caller on hold then the hold prompt plays every everySeconds while they wait', () => {
    const office = busyOffice();
    office.callArrives('c1');
    expect(office.timers.dueAt('prompt|c1')).toBe(30_000);

    const plays = ofType(office.advance(95_000), 'play-to-caller');
    expect(plays).toEqual([
      { type: 'play-to-caller', callId: 'c1', media: ['sound:acme-prompt'] },
      { type: 'play-to-caller', callId: 'c1', media: ['sound:acme-prompt'] },
      { type: 'play-to-caller', callId: 'c1', media: ['sound:acme-prompt'] },
    ]);
  });

  it('given a caller on hold when they are connected then the prompt stops', () => {
    const office = busyOffice();
    office.callArrives('c1');
    office.advance(31_000);
    office.receptionistHangsUp('c0');
    const commands = office.pickUp('ann');
    expect(commands).toContainEqual({ type: 'cancel-timer', key: 'prompt|c1' });
    expect(ofType(office.advance(300_000), 'play-to-caller')).toEqual([]);
  });

  it('given a caller on hold when they hang up or overflow then the prompt stops', () => {
    const office = busyOffice(clientProfile({ holdPrompt: prompt, maxWaitSeconds: 100 }));
    office.callArrives('c1');
    office.callArrives('c2');
    office.callerHangsUp('c1');
    expect(office.timers.has('prompt|c1')).toBe(false);
    office.advance(100_000);
    expect(office.call('c2')?.phase).toBe('overflow');
    expect(office.timers.has('prompt|c2')).toBe(false);
    expect(ofType(office.advance(300_000), 'play-to-caller')).toEqual([]);
  });

  it('given a client with no hold prompt then callers on hold hear music only', () => {
    const office = busyOffice(clientProfile({ holdPrompt: null }));
    office.callArrives('c1');
    expect(office.timers.has('prompt|c1')).toBe(false);
    expect(ofType(office.last, 'play-to-caller')).toEqual([]);
    expect(ofType(office.advance(300_000), 'play-to-caller')).toEqual([]);
  });

  it('given announcePosition off then the prompt never says a position', () => {
    const office = busyOffice(clientProfile({ holdPrompt: prompt, announcePosition: false }));
    office.callArrives('c1');
    office.callArrives('c2');
    const media = ofType(office.advance(30_000), 'play-to-caller').flatMap((c) => c.media);
    expect(media.every((m) => m === 'sound:acme-prompt')).toBe(true);
  });

  it('given announcePosition on then the caller hears their position when put on hold and with each prompt', () => {
    const office = busyOffice(clientProfile({ holdPrompt: prompt, announcePosition: true }));
    const first = office.callArrives('c1');
    office.advance(1_000);
    const second = office.callArrives('c2');
    expect(ofType(first, 'play-to-caller')).toEqual([{ type: 'play-to-caller', callId: 'c1', media: ['sound:queue-youarenext'] }]);
    expect(ofType(second, 'play-to-caller')).toEqual([
      { type: 'play-to-caller', callId: 'c2', media: ['sound:queue-thereare', 'number:1', 'sound:queue-callswaiting'] },
    ]);

    const prompts = ofType(office.advance(29_000), 'play-to-caller'); // to t=30 s: c1's prompt
    expect(prompts).toEqual([{ type: 'play-to-caller', callId: 'c1', media: ['sound:acme-prompt', 'sound:queue-youarenext'] }]);
    // c1 leaves: c2 moves up
    office.callerHangsUp('c1');
    expect(ofType(office.advance(1_000), 'play-to-caller')).toEqual([{ type: 'play-to-caller', callId: 'c2', media: ['sound:acme-prompt', 'sound:queue-youarenext'] }]);
  });

  it('given a caller offered at once on arrival then they hear ringing, not hold music', () => {
    const office = new Office().givenReceptionists({ ann: 0 });
    office.client = clientProfile({ holdPrompt: prompt });
    const commands = office.callArrives('c1');
    expect(ofType(commands, 'ring-caller')).toHaveLength(1);
    expect(ofType(commands, 'hold-caller')).toEqual([]);
    expect(office.timers.has('prompt|c1')).toBe(false);
  });

  it('given a caller offered at once whose offer times out with nobody free then they are moved to hold with the prompt', () => {
    const office = new Office().givenReceptionists({ ann: 0 }, { ringTimeoutSeconds: 10, maxMissedOffers: 1 });
    office.client = clientProfile({ holdPrompt: prompt });
    office.callArrives('c1');
    const commands = office.advance(10_000);
    expect(ofType(commands, 'hold-caller')).toEqual([{ type: 'hold-caller', callId: 'c1', mohClass: 'acme-moh' }]);
    expect(office.timers.dueAt('prompt|c1')).toBe(40_000);
  });

  it('given a caller already on hold when an offer to them times out then hold is not restarted', () => {
    const office = busyOffice();
    office.hire(['bob'], { ringTimeoutSeconds: 10, maxMissedOffers: 1 });
    office.callArrives('c1');
    office.advance(5_000);
    office.setPresence('bob', { kind: 'available' }); // rings bob for c1
    expect(office.ringing()).toEqual({ c1: 'bob' });
    const commands = office.advance(10_000);
    expect(ofType(commands, 'hold-caller')).toEqual([]);
    expect(office.call('c1')).toMatchObject({ phase: 'waiting', onHold: true });
  });
});

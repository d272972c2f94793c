import { describe, expect, it } from 'vitest';
import { endpointOfChannelName, phoneCodeRequest } from '../../src/calls/phone-codes';
import { reconcile } from '../../src/calls/reconcile';
import { parseStasisArgs } from '../../src/dialplan-check/stasis-forms';

const feature = (...args: string[]) => {
  const entry = parseStasisArgs(['feature', ...args]);
  if (entry.kind !== 'feature') throw new Error(`not a feature entry: ${args.join(',')}`);
  return phoneCodeRequest(entry);
};

describe('feature codes from an idle phone (pure)', () => {
  it('knows the phone by the channel name chan_pjsip gives it, and nothing else', () => {
    expect(endpointOfChannelName('PJSIP/rx1-0000001a')).toBe('PJSIP/rx1');
    expect(endpointOfChannelName('PJSIP/front-desk.2-00000a3f')).toBe('PJSIP/front-desk.2');
    expect(endpointOfChannelName('PJSIP/rx1')).toBeNull();
    expect(endpointOfChannelName('Local/*11@receptionists-00000001;2')).toBeNull();
    expect(endpointOfChannelName('PJSIP/rx1,evil-0000001a')).toBeNull();
    expect(endpointOfChannelName('')).toBeNull();
  });

  it('maps each code to the state change the console would ask for', () => {
    expect(feature('login')).toEqual({ kind: 'presence', request: { kind: 'available' } });
    expect(feature('unpause')).toEqual({ kind: 'presence', request: { kind: 'available' } });
    expect(feature('next')).toEqual({ kind: 'presence', request: { kind: 'available' } });
    expect(feature('logout')).toEqual({ kind: 'presence', request: { kind: 'logged-out' } });
    expect(feature('pause', '7')).toEqual({ kind: 'presence', request: { kind: 'paused', reason: 'phone-7' } });
    expect(feature('pause', '')).toEqual({ kind: 'presence', request: { kind: 'paused', reason: 'phone' } });
    expect(feature('retrieve', '705')).toEqual({ kind: 'retrieve', slot: '705' });
  });

  it('given a feature-code channel left in the app by a previous process then reconcile hangs it up and never treats it as a caller', () => {
    const plan = reconcile({
      app: 'switchboard',
      now: 1_000,
      calls: [],
      receptionists: [],
      receptionistIds: ['rx1'],
      channels: [{ id: 'x1', name: 'PJSIP/rx1-00000001', state: 'Up', callerName: 'rx1', callerNumber: 'rx1', appName: 'Stasis', appData: 'switchboard,feature,login', createdAt: 500 }],
      bridges: [],
    });
    expect(plan.hangupChannels).toEqual(['x1']);
    expect(plan.unknownCallers).toEqual([]);
    expect(plan.calls).toEqual([]);
  });
});

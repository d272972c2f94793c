import type { AsteriskSimulator } from '../../../src/simulator';
import { AriTestApp } from './ari-test-app';

/**
 * The scenarios of shared/asterisk/traces, performed with the same requests the lab app made
 * (see each `<scenario>.actions.log`), against the simulator.
 */
export type ScenarioName = 's0-basic' | 's1-caller-hangup' | 's2-noanswer-rx2' | 's2b-busy-rx2' | 's3-dtmf' | 's3b-dtmf-events-bridge' | 's3c-dtmf-unbridged' | 's4-ws-reconnect';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runScenario(sim: AsteriskSimulator, name: ScenarioName): Promise<any[]> {
  const app = new AriTestApp(sim.url, 'switchboard');
  await app.connect();
  sim.setPhone('rx1', name === 's2-noanswer-rx2' ? { kind: 'no-answer' } : name === 's2b-busy-rx2' ? { kind: 'busy' } : { kind: 'answer', afterMs: 60 });
  sim.setPhone('rx2', { kind: 'answer', afterMs: 60 });

  sim.placeCall({ did: '5035550100', callerName: 'Lab Caller', callerNumber: '5035551234' });
  const start = await app.next((e) => e.type === 'StasisStart');
  const caller = start.channel.id as string;
  await app.request('POST', `/channels/${caller}/answer`);

  if (name === 's3c-dtmf-unbridged') {
    sim.sendDtmf(caller, '123', { durationMs: 280, gapMs: 30 });
    await app.next((e) => e.type === 'ChannelDtmfReceived' && e.digit === '3');
    await app.request('DELETE', `/channels/${caller}`);
    await app.next((e) => e.type === 'StasisEnd');
    await app.disconnect();
    return app.events;
  }

  const bridgeId = `${name}-bridge`;
  await app.request('POST', '/bridges', { type: name === 's3b-dtmf-events-bridge' ? 'mixing,dtmf_events' : 'mixing', bridgeId, name: `lab-${name}` });
  await app.request('POST', `/bridges/${bridgeId}/addChannel`, { channel: caller });
  const originate = (rx: string) =>
    app.request('POST', '/channels', { endpoint: `PJSIP/${rx}`, app: 'switchboard', appArgs: `dialed,${caller},${rx}`, channelId: `${name}-${rx}`, callerId: '"Lab Caller" <5035551234>', timeout: 15 });

  let agent = `${name}-rx1`;
  await originate('rx1');
  if (name === 's2-noanswer-rx2') {
    await app.next((e) => e.type === 'Dial' && e.dialstatus === 'RINGING');
    await sleep(150); // the lab app's ring timeout, shortened
    await app.request('DELETE', `/channels/${agent}`);
    await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === agent);
    agent = `${name}-rx2`;
    await originate('rx2');
  } else if (name === 's2b-busy-rx2') {
    await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === agent);
    agent = `${name}-rx2`;
    await originate('rx2');
  }
  await app.next((e) => e.type === 'StasisStart' && e.channel.id === agent);
  await app.request('POST', `/bridges/${bridgeId}/addChannel`, { channel: agent });
  await app.next((e) => e.type === 'ChannelConnectedLine');

  if (name === 's3-dtmf' || name === 's3b-dtmf-events-bridge') {
    sim.sendDtmf(caller, '123', { durationMs: 280, gapMs: 30 });
    await sleep(150);
  }
  if (name === 's4-ws-reconnect') {
    await app.disconnect();
    sim.placeCall({ did: '5035550100', callerName: 'Second', callerNumber: '5035550002' }); // fails over to the dialplan fallback
    await sleep(50);
    await app.connect();
  }
  if (name === 's1-caller-hangup') {
    sim.hangupCaller(caller);
    await app.next((e) => e.type === 'StasisEnd' && e.channel.id === caller);
    await app.request('DELETE', `/channels/${agent}`);
  } else {
    await app.request('DELETE', `/channels/${agent}`);
    await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === agent);
    await app.request('DELETE', `/channels/${caller}`);
  }
  await app.next((e) => e.type === 'StasisEnd' && e.channel.id === caller);
  await app.request('DELETE', `/bridges/${bridgeId}`);
  await app.next((e) => e.type === 'BridgeDestroyed');
  await app.disconnect();
  return app.events;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAsteriskSimulator, type AsteriskSimulator } from '../../src/simulator';
import { AriTestApp } from './support/ari-test-app';
import { runScenario } from './support/scenarios';
import { SwaggerModels } from './support/swagger-models';

const models = new SwaggerModels(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/simulator/ari-api-docs'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('simulator contract: Asterisk 22 ARI models and status codes', () => {
  let sim: AsteriskSimulator;
  const emitted: any[] = [];

  beforeAll(async () => {
    sim = await startAsteriskSimulator({ bridgeDestroyDelayMs: 20, playbackDurationMs: 30 });
    sim.onEvent((e) => emitted.push(e));
  });
  afterAll(async () => {
    await sim.close();
  });

  it('given an event missing required fields then the validator reports it (so the next test can fail)', () => {
    expect(models.validate('Dial', { type: 'Dial', timestamp: '2026-11-22T10:22:51.273Z', application: 'a', peer: { id: 1 } })).toEqual(
      expect.arrayContaining(['Dial.dialstatus: required', 'Dial.timestamp: not an Asterisk date (2026-11-22T10:22:51.273Z)', 'Dial.peer.id: not a string', 'Dial.peer.name: required']),
    );
  });

  it('given every scenario, media and endpoint change then every event emitted conforms to its model in events.json', async () => {
    for (const name of ['s0-basic', 's2-noanswer-rx2', 's2b-busy-rx2', 's3b-dtmf-events-bridge', 's3c-dtmf-unbridged'] as const) await runScenario(sim, name);
    const app = new AriTestApp(sim.url, 'switchboard');
    await app.connect();
    await app.request('POST', '/applications/switchboard/subscription', { eventSource: 'endpoint:PJSIP' });
    sim.setPhone('rx3', { kind: 'answer', afterMs: 10 });
    sim.setPhone('rx3', { kind: 'unreachable' });
    sim.placeCall({ did: '5035550100', callerName: 'Media', callerNumber: '1' });
    const start = await app.next((e) => e.type === 'StasisStart' && e.channel.caller.name === 'Media');
    const id = start.channel.id;
    await app.request('POST', `/channels/${id}/answer`);
    await app.request('POST', `/channels/${id}/play/pb1`, { media: 'sound:vm-intro' });
    await app.next((e) => e.type === 'PlaybackFinished');
    await app.request('POST', `/channels/${id}/record`, { name: 'vm-1', format: 'wav', terminateOn: '#' });
    sim.sendDtmf(id, '#', { gapMs: 1 });
    await app.next((e) => e.type === 'RecordingFinished');
    await app.request('POST', `/channels/${id}/variable`, { variable: 'SB_TEST', value: 'x' });
    sim.setPhone('rx4', { kind: 'answer', afterMs: 10 });
    await app.request('POST', '/channels/create', { endpoint: 'PJSIP/rx4', app: 'switchboard', appArgs: 'dialed', channelId: 'created-rx4' });
    await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'created-rx4');
    await app.request('POST', '/channels/created-rx4/dial', { caller: id, timeout: 5 });
    await app.next((e) => e.type === 'Dial' && e.dialstatus === 'ANSWER' && e.peer.id === 'created-rx4');
    await app.request('DELETE', '/channels/created-rx4');
    await app.request('DELETE', `/channels/${id}`);
    await sleep(50);
    await app.disconnect();

    const types = new Set(emitted.map((e) => e.type));
    for (const t of ['StasisStart', 'StasisEnd', 'Dial', 'ChannelStateChange', 'ChannelDestroyed', 'ChannelHangupRequest', 'ChannelEnteredBridge', 'ChannelLeftBridge', 'BridgeDestroyed', 'ChannelConnectedLine', 'ChannelDtmfReceived', 'PlaybackStarted', 'PlaybackFinished', 'RecordingStarted', 'RecordingFinished', 'EndpointStateChange', 'ChannelVarset']) {
      expect(types, `emitted ${t}`).toContain(t);
    }
    const problems = emitted.flatMap((e) => models.validate(e.type, e));
    expect(problems).toEqual([]);
  });

  it('given REST reads then the bodies conform to the Channel, Bridge, Endpoint and AsteriskInfo models', async () => {
    const app = new AriTestApp(sim.url, 'switchboard');
    await app.connect();
    sim.placeCall({ did: '5035550100', callerName: 'Rest', callerNumber: '2' });
    const start = await app.next((e) => e.type === 'StasisStart' && e.channel.caller.name === 'Rest');
    await app.request('POST', '/bridges/rest-bridge', { type: 'mixing' });
    await app.request('POST', '/bridges/rest-bridge/addChannel', { channel: start.channel.id });
    const channels = (await app.request('GET', '/channels')).body;
    const bridges = (await app.request('GET', '/bridges')).body;
    const endpoints = (await app.request('GET', '/endpoints')).body;
    const info = (await app.request('GET', '/asterisk/info')).body;
    const problems = [
      ...channels.flatMap((c: unknown) => models.validate('Channel', c)),
      ...bridges.flatMap((b: unknown) => models.validate('Bridge', b)),
      ...endpoints.flatMap((e: unknown) => models.validate('Endpoint', e)),
      ...models.validate('AsteriskInfo', info),
      ...models.validate('Application', (await app.request('GET', '/applications/switchboard')).body),
    ];
    expect(problems).toEqual([]);
    await app.request('DELETE', `/channels/${start.channel.id}`);
    await app.request('DELETE', '/bridges/rest-bridge');
    await app.disconnect();
  });

  it('given bad requests then the status codes are the ones Asterisk documents', async () => {
    const app = new AriTestApp(sim.url, 'switchboard');
    await app.connect();
    expect((await app.request('POST', '/channels/nope/answer')).status).toBe(404);
    expect((await app.request('DELETE', '/channels/nope')).status).toBe(404);
    expect((await app.request('GET', '/bridges/nope')).status).toBe(404);
    expect((await app.request('POST', '/channels', { app: 'switchboard' })).status).toBe(400);
    expect((await app.request('POST', '/channels/create', { app: 'switchboard' })).status).toBe(400);
    expect((await app.request('POST', '/channels/nope/dial')).status).toBe(404);
    expect((await app.request('POST', '/bridges/b409', { type: 'nonsense' })).status).toBe(400);
    sim.placeCall({ did: '5035550100', callerName: 'Codes', callerNumber: '3' });
    const start = await app.next((e) => e.type === 'StasisStart' && e.channel.caller.name === 'Codes');
    await app.request('POST', '/bridges/codes', { type: 'mixing' });
    expect((await app.request('POST', '/bridges/codes/removeChannel', { channel: start.channel.id })).status).toBe(422);
    expect((await app.request('POST', '/bridges/codes/addChannel', {})).status).toBe(400);
    expect((await app.request('DELETE', '/bridges/codes/moh')).status).toBe(409);
    expect((await app.request('POST', `/channels/${start.channel.id}/play`, { media: 'bogus' })).status).toBe(400);
    expect((await app.request('POST', `/channels/${start.channel.id}`, { endpoint: 'PJSIP/rx1', app: 'switchboard' })).status).toBe(409);
    expect((await app.request('POST', `/channels/${start.channel.id}/dial`)).status).toBe(409);
    sim.setPhone('gone', { kind: 'unreachable' });
    expect((await app.request('POST', '/channels', { endpoint: 'PJSIP/gone', app: 'switchboard' })).status).toBe(500);
    const bad = await fetch(`${sim.url}/ari/channels`, { headers: { authorization: 'Basic ' + Buffer.from('asterisk:wrong').toString('base64') } });
    expect(bad.status).toBe(401);
    await app.request('DELETE', `/channels/${start.channel.id}`);
    await app.request('DELETE', '/bridges/codes');
    await app.disconnect();
  });

  it('given no socket for the app when a call arrives then Stasis fails and the dialplan fallback takes it', async () => {
    const { channelId } = sim.placeCall({ did: '5035550100', callerName: 'Nobody Home', callerNumber: '4' });
    expect(sim.channel(channelId)).toMatchObject({ alive: true, fellBack: true });
  });

  it('given a second socket for the same app then the first gets ApplicationReplaced and calls go to the second', async () => {
    const first = new AriTestApp(sim.url, 'switchboard');
    await first.connect();
    const second = new AriTestApp(sim.url, 'switchboard');
    await second.connect();
    await first.next((e) => e.type === 'ApplicationReplaced');
    sim.placeCall({ did: '5035550100', callerName: 'Taken Over', callerNumber: '5' });
    const start = await second.next((e) => e.type === 'StasisStart' && e.channel.caller.name === 'Taken Over');
    expect(first.events.some((e) => e.type === 'StasisStart' && e.channel.caller.name === 'Taken Over')).toBe(false);
    await second.request('DELETE', `/channels/${start.channel.id}`);
    await second.disconnect();
    await first.disconnect();
  });

  it('given the WebSocket drops mid-call then the bridge and both legs stay up, and no event is replayed', async () => {
    const app = new AriTestApp(sim.url, 'switchboard');
    await app.connect();
    sim.setPhone('rx1', { kind: 'answer', afterMs: 10 });
    sim.placeCall({ did: '5035550100', callerName: 'Dropped', callerNumber: '6' });
    const start = await app.next((e) => e.type === 'StasisStart' && e.channel.caller.name === 'Dropped');
    await app.request('POST', `/channels/${start.channel.id}/answer`);
    await app.request('POST', '/bridges/drop', { type: 'mixing' });
    await app.request('POST', '/bridges/drop/addChannel', { channel: start.channel.id });
    await app.request('POST', '/channels/drop-rx1', { endpoint: 'PJSIP/rx1', app: 'switchboard' });
    await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'drop-rx1');
    await app.request('POST', '/bridges/drop/addChannel', { channel: 'drop-rx1' });
    sim.dropWebSockets();
    await sleep(50);
    expect(sim.bridges().find((b) => b.id === 'drop')?.channels.sort()).toEqual([start.channel.id, 'drop-rx1'].sort());
    const again = new AriTestApp(sim.url, 'switchboard');
    await again.connect();
    await sleep(50);
    expect(again.events).toEqual([]);
    await again.request('DELETE', '/channels/drop-rx1');
    await again.request('DELETE', `/channels/${start.channel.id}`);
    await again.request('DELETE', '/bridges/drop');
    await again.disconnect();
  });
});

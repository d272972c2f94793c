import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAsteriskSimulator, type AsteriskSimulator } from '../../src/simulator';
import { AriTestApp } from './support/ari-test-app';
import { SwaggerModels } from './support/swagger-models';

const models = new SwaggerModels(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/simulator/ari-api-docs'));

/**
 * ARI create + dial (POST /channels/create, POST /channels/{id}/dial) over real HTTP and WebSocket.
 * Asterisk 22 (res/ari/resource_channels.c, res/stasis/control.c, main/bridge_channel.c): the
 * created channel enters Stasis at once in state Down; dial puts it in a dial bridge that
 * publishes Dial with no `caller`, the dial string only on the first (empty) status, and no
 * NOANSWER: a dial timeout soft-hangs the channel up.
 */
describe('simulator: ARI channel create and dial', () => {
  let sim: AsteriskSimulator;
  let app: AriTestApp;
  const emitted: any[] = [];

  beforeAll(async () => {
    sim = await startAsteriskSimulator({ busyDelayMs: 20 });
    sim.onEvent((e) => emitted.push(e));
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    app = new AriTestApp(sim.url, 'switchboard');
    await app.connect();
  });
  afterEach(async () => {
    await app.disconnect();
  });

  /** The app's events about one channel, as [type, dialstatus or state]. */
  const story = (id: string) =>
    app.events
      .filter((e) => (e.channel ?? e.peer)?.id === id)
      .map((e) => [e.type, e.type === 'Dial' ? e.dialstatus : e.type === 'ChannelDestroyed' ? e.cause : (e.channel ?? e.peer).state]);

  const create = (channelId: string, endpoint: string, extra: Record<string, unknown> = {}) =>
    app.request('POST', '/channels/create', {}, { endpoint, app: 'switchboard', appArgs: `dialed,${channelId}`, channelId, ...extra });

  it('given a created channel then the reply is the Down channel and the app gets StasisStart with the args before anything rings', async () => {
    sim.setPhone('cd1', { kind: 'answer', afterMs: 10 });
    const res = await create('cd-create', 'PJSIP/cd1', { variables: { 'CALLERID(name)': 'Switchboard', SB_LEG: { value: 'x', report_events: true } } });
    expect(res.status).toBe(200);
    expect(models.validate('Channel', res.body)).toEqual([]);
    expect(res.body).toMatchObject({ id: 'cd-create', state: 'Down', caller: { name: 'Switchboard' } });
    const start = await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'cd-create');
    expect(start.args).toEqual(['dialed', 'cd-create']);
    expect(start.channel).toMatchObject({ state: 'Down', dialplan: { app_name: 'Stasis', app_data: 'switchboard,dialed,cd-create' } });
    expect(sim.phone('cd1')).toMatchObject({ offers: 0, ringing: false });
    expect((await app.request('GET', '/channels/cd-create/variable', { variable: 'SB_LEG' })).body).toEqual({ value: 'x' });
    await app.request('DELETE', '/channels/cd-create');
    await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === 'cd-create');
  });

  it('given a created channel when it is dialled to an answering phone then Dial RINGING and ANSWER, state Up, and no second StasisStart', async () => {
    sim.setPhone('cd2', { kind: 'answer', afterMs: 30 });
    sim.placeCall({ did: '5035550100', callerName: 'Dial Caller', callerNumber: '5035551234' });
    const caller = (await app.next((e) => e.type === 'StasisStart' && e.channel.caller.name === 'Dial Caller')).channel.id;
    await create('cd-answer', 'PJSIP/cd2');
    await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'cd-answer');
    expect((await app.request('POST', '/channels/cd-answer/dial', { caller, timeout: 10 })).status).toBe(204);
    await app.next((e) => e.type === 'Dial' && e.dialstatus === 'ANSWER' && e.peer.id === 'cd-answer');
    expect(story('cd-answer')).toEqual([
      ['StasisStart', 'Down'],
      ['ChannelConnectedLine', 'Down'],
      ['Dial', ''],
      ['ChannelStateChange', 'Ringing'],
      ['Dial', 'RINGING'],
      ['ChannelStateChange', 'Up'],
      ['Dial', 'ANSWER'],
    ]);
    const dials = app.events.filter((e) => e.type === 'Dial' && e.peer.id === 'cd-answer');
    expect(dials.map((d) => d.dialstring)).toEqual(['cd2', '', '']);
    expect(dials.every((d) => !('caller' in d))).toBe(true);
    expect(dials[2].peer.connected).toEqual({ name: 'Dial Caller', number: '5035551234' });
    expect((await app.request('GET', '/channels/cd-answer')).body.state).toBe('Up');
    expect(sim.phone('cd2')).toMatchObject({ offers: 1, activeChannelId: 'cd-answer' });

    await app.request('POST', `/channels/${caller}/answer`);
    await app.request('POST', '/bridges/cd-bridge', { type: 'mixing' });
    await app.request('POST', '/bridges/cd-bridge/addChannel', { channel: `${caller},cd-answer` });
    expect(sim.bridges().find((b) => b.id === 'cd-bridge')?.channels).toEqual([caller, 'cd-answer']);
    sim.phoneHangup('cd2');
    await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === 'cd-answer');
    expect(story('cd-answer').slice(-4)).toEqual([
      ['ChannelHangupRequest', 'Up'],
      ['ChannelLeftBridge', 'Up'],
      ['StasisEnd', 'Up'],
      ['ChannelDestroyed', 16],
    ]);
    await app.request('DELETE', `/channels/${caller}`);
    await app.request('DELETE', '/bridges/cd-bridge');
  });

  it('given a busy phone when a created channel is dialled then Dial BUSY and the channel leaves Stasis with cause 17', async () => {
    sim.setPhone('cd3', { kind: 'busy' });
    await create('cd-busy', 'PJSIP/cd3');
    await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'cd-busy');
    expect((await app.request('POST', '/channels/cd-busy/dial')).status).toBe(204);
    const destroyed = await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === 'cd-busy');
    expect(destroyed).toMatchObject({ cause: 17, cause_txt: 'User busy', tech_cause: 486 });
    expect(story('cd-busy')).toEqual([
      ['StasisStart', 'Down'],
      ['Dial', ''],
      ['ChannelHangupRequest', 'Down'],
      ['Dial', 'BUSY'],
      ['StasisEnd', 'Down'],
      ['ChannelDestroyed', 17],
    ]);
    expect(app.events.find((e) => e.type === 'ChannelHangupRequest' && e.channel.id === 'cd-busy')).toMatchObject({ cause: 17, tech_cause: 486 });
    expect((await app.request('GET', '/channels/cd-busy')).status).toBe(404);
  });

  it('given a phone that never answers when the dial timeout passes then the channel is soft hung up with no NOANSWER', async () => {
    sim.setPhone('cd4', { kind: 'no-answer' });
    await create('cd-noanswer', 'PJSIP/cd4');
    await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'cd-noanswer');
    await app.request('POST', '/channels/cd-noanswer/dial', { timeout: 1 });
    await app.next((e) => e.type === 'Dial' && e.dialstatus === 'RINGING' && e.peer.id === 'cd-noanswer');
    expect(sim.phone('cd4').ringing).toBe(true);
    const destroyed = await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === 'cd-noanswer', 3000);
    expect(destroyed).toMatchObject({ cause: 16, cause_txt: 'Normal Clearing' });
    expect(story('cd-noanswer')).toEqual([
      ['StasisStart', 'Down'],
      ['Dial', ''],
      ['ChannelStateChange', 'Ringing'],
      ['Dial', 'RINGING'],
      ['ChannelHangupRequest', 'Ringing'],
      ['StasisEnd', 'Ringing'],
      ['ChannelDestroyed', 16],
    ]);
    expect(app.events.find((e) => e.type === 'ChannelHangupRequest' && e.channel.id === 'cd-noanswer')).toMatchObject({ cause: 32, soft: true });
  });

  it('given an unreachable phone then create fails 500, and a phone lost between create and dial ends the channel with cause 20', async () => {
    sim.setPhone('cd5', { kind: 'unreachable' });
    expect((await create('cd-gone', 'PJSIP/cd5')).status).toBe(500);
    expect((await create('cd-nobody', 'PJSIP/nobody')).status).toBe(500);
    sim.setPhone('cd5', { kind: 'answer', afterMs: 10 });
    await create('cd-lost', 'PJSIP/cd5');
    await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'cd-lost');
    sim.setPhone('cd5', { kind: 'unreachable' });
    await app.request('POST', '/channels/cd-lost/dial');
    const destroyed = await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === 'cd-lost');
    expect(destroyed).toMatchObject({ cause: 20, cause_txt: 'Subscriber absent' });
    expect(story('cd-lost')).toEqual([
      ['StasisStart', 'Down'],
      ['Dial', ''],
      ['ChannelHangupRequest', 'Down'],
      ['StasisEnd', 'Down'],
      ['ChannelDestroyed', 20],
    ]);
  });

  it('given bad create requests then 400 for missing or conflicting parameters and 409 for an id in use', async () => {
    sim.setPhone('cd6', { kind: 'answer', afterMs: 10 });
    expect((await app.request('POST', '/channels/create', {}, { app: 'switchboard' })).status).toBe(400);
    expect((await app.request('POST', '/channels/create', {}, { endpoint: 'PJSIP/cd6' })).status).toBe(400);
    expect((await create('cd-bad', 'PJSIP/cd6', { originator: 'x', formats: 'ulaw' })).status).toBe(400);
    expect((await create('cd-bad', 'PJSIP/cd6', { formats: 'ulaw,nonsense' })).status).toBe(400);
    expect((await create('cd-dup', 'PJSIP/cd6', { formats: 'ulaw,slin16' })).status).toBe(200);
    expect((await create('cd-dup', 'PJSIP/cd6')).status).toBe(409);
    // Query parameters work as well as a JSON body.
    expect((await app.request('POST', '/channels/create', { endpoint: 'PJSIP/cd6', app: 'switchboard', channelId: 'cd-query' })).status).toBe(200);
    await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'cd-query');
    await app.request('DELETE', '/channels/cd-dup');
    await app.request('DELETE', '/channels/cd-query');
  });

  it('given bad dial requests then 404 for an unknown channel and 409 for a channel not in Stasis, not Down, not created, or dialled twice', async () => {
    sim.setPhone('cd7', { kind: 'no-answer' });
    expect((await app.request('POST', '/channels/nope/dial')).status).toBe(404);

    // An originated leg that is still ringing is not in Stasis yet.
    await app.request('POST', '/channels/cd-orig', { endpoint: 'PJSIP/cd7', app: 'switchboard' });
    await app.next((e) => e.type === 'Dial' && e.dialstatus === 'RINGING' && e.peer.id === 'cd-orig');
    const notInStasis = await app.request('POST', '/channels/cd-orig/dial');
    expect(notInStasis).toEqual({ status: 409, body: { message: 'Channel not in Stasis application' } });
    await app.request('DELETE', '/channels/cd-orig');

    // An inbound channel is in Stasis but Ring, and was not made by create.
    sim.placeCall({ did: '5035550100', callerName: 'Not Created', callerNumber: '7' });
    const inbound = (await app.next((e) => e.type === 'StasisStart' && e.channel.caller.name === 'Not Created')).channel.id;
    expect((await app.request('POST', `/channels/${inbound}/dial`)).status).toBe(409);

    await create('cd-twice', 'PJSIP/cd7');
    await app.next((e) => e.type === 'StasisStart' && e.channel.id === 'cd-twice');
    expect((await app.request('POST', '/channels/cd-twice/dial')).status).toBe(204);
    const again = await app.request('POST', '/channels/cd-twice/dial');
    expect(again).toEqual({ status: 409, body: { message: "Channel is not in the 'Down' state" } });
    expect(sim.phone('cd7').offers).toBe(2);
    await app.request('DELETE', '/channels/cd-twice');
    await app.request('DELETE', `/channels/${inbound}`);
    await app.next((e) => e.type === 'ChannelDestroyed' && e.channel.id === 'cd-twice');
  });

  it('given no socket for the app when a channel is created then Stasis fails and the channel is hung up', async () => {
    sim.setPhone('cd8', { kind: 'answer', afterMs: 10 });
    const res = await app.request('POST', '/channels/create', {}, { endpoint: 'PJSIP/cd8', app: 'nobody-home', channelId: 'cd-orphan' });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.channel('cd-orphan')?.alive).toBe(false);
  });

  it('given every create and dial above then every event emitted conforms to its model in events.json', () => {
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.flatMap((e) => models.validate(e.type, e))).toEqual([]);
  });
});

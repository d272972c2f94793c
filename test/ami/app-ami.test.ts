import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import type { AsteriskSimulator } from '../../src/simulator';
import { Office } from '../e2e/support/office';

const QUEUE = 'switchboard-fallback';

/**
 * AMI as the running Switchboard uses it: the phones' reachability feeds routing, the fallback
 * queue follows who is logged in, and engineers reload the dialplan through the API. The
 * simulator's AMI plays Asterisk (phones going unreachable need its control API).
 */
describe.skipIf(!!process.env.ASTERISK_ARI_URL)('AMI in the running Switchboard', () => {
  let office: Office;
  let sim: AsteriskSimulator;
  const members = () => sim.ami!.queueMembers(QUEUE).map((m) => m.interface).sort();

  beforeAll(async () => {
    office = await Office.open({ ami: { fallbackQueue: QUEUE } });
    sim = (office.lab as unknown as { sim: AsteriskSimulator }).sim;
    await office.seed({
      clients: [{ id: 'acme', numbers: ['5035550100'] }],
      receptionists: [{ id: 'ann' }, { id: 'bob' }],
    });
    await office.lab.setPhone('ann', { kind: 'answer', afterMs: 50 });
    await office.lab.setPhone('bob', { kind: 'answer', afterMs: 50 });
    await office.lab.waitFor('AMI connected', async () => office.switchboard.ami?.isConnected);
  });

  afterAll(async () => {
    await office.close();
  });

  it('given receptionists log in and out then the fallback queue rings exactly the logged-in phones', async () => {
    await office.loginInOrder('ann', 'bob');
    await office.lab.waitFor('both phones in the fallback queue', async () => members().join() === 'PJSIP/ann,PJSIP/bob');
    await office.setPresence('bob', 'logged-out');
    await office.lab.waitFor('bob out of the fallback queue', async () => members().join() === 'PJSIP/ann');
    await office.setPresence('bob', 'available');
    await office.lab.waitFor('bob back in the fallback queue', async () => members().join() === 'PJSIP/ann,PJSIP/bob');
  });

  it('given ann is longest idle when her phone becomes unreachable then her state says why, the caller goes to bob, and she is first again when it is back', async () => {
    await office.setPresence('ann', 'logged-out');
    await office.setPresence('bob', 'logged-out');
    await office.loginInOrder('ann', 'bob');

    await office.lab.setPhone('ann', { kind: 'unreachable' });
    const gone = await office.lab.waitFor('ann shown unreachable', async () => {
      const r = await office.api('GET', '/api/receptionists/ann');
      return r.body.reachable === false ? r.body : null;
    });
    expect(gone.presence.kind).toBe('available');
    expect(gone.unreachableReason).toEqual(expect.any(String));
    const annOffers = (await office.lab.phone('ann')).offers;

    const call = await office.lab.placeCall({ did: '5035550100', callerName: 'Pat', callerNumber: '5035551234' });
    await office.lab.waitFor('caller connected to bob', async () => (await call.view()).connectedTo === 'bob');
    expect((await office.lab.phone('ann')).offers).toBe(annOffers);
    await call.hangup();
    await office.lab.waitFor('bob free again', async () => (await office.presence('bob')).kind === 'available');

    await office.lab.setPhone('ann', { kind: 'answer', afterMs: 50 });
    const back = await office.lab.waitFor('ann reachable again', async () => {
      const r = await office.api('GET', '/api/receptionists/ann');
      return r.body.reachable === true ? r.body : null;
    });
    expect(back).toMatchObject({ unreachableReason: null, presence: { kind: 'available' } });
    const next = await office.lab.placeCall({ did: '5035550100', callerName: 'Lee', callerNumber: '5035554321' });
    await office.lab.waitFor('next caller connected to ann, still the longest idle', async () => (await next.view()).connectedTo === 'ann');
    await next.hangup();
  });

  it('given an engineer edited dialplan/ and config/ when they ask for a reload then Asterisk reloads the dialplan and res_pjsip', async () => {
    const before = sim.ami!.reloads().length;
    const r = await office.api('POST', '/api/admin/reload', { what: 'all' });
    expect(r.status).toBe(200);
    expect(r.body.reloaded.map((x: { module: string }) => x.module)).toEqual(['dialplan', 'pjsip']);
    expect(sim.ami!.reloads().slice(before)).toEqual(['pbx_config.so', 'res_pjsip.so']);

    const bad = await office.api('POST', '/api/admin/reload', { what: 'everything' });
    expect(bad.status).toBe(400);
  });

  it('given the CLI when an engineer runs reload-dialplan then the dialplan is reloaded, --pjsip reloads res_pjsip, and --json prints what Asterisk said', async () => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli([...args, '--url', office.baseUrl], { out: (t) => out.push(t), err: (t) => err.push(t), env: { SWITCHBOARD_API_TOKEN: office.config.SWITCHBOARD_API_TOKEN }, now: () => Date.now() });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const before = sim.ami!.reloads().length;
    const table = await run(['reload-dialplan']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^dialplan\s+\S/m);
    const json = await run(['reload-dialplan', '--pjsip', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).reloaded).toEqual([{ module: 'pjsip', message: expect.any(String) }]);
    expect(sim.ami!.reloads().slice(before)).toEqual(['pbx_config.so', 'res_pjsip.so']);
  });

  it('given AMI drops then /metrics shows it down, a reload is refused with pbx-unavailable, and it is back within seconds', async () => {
    sim.ami!.setAnswering(false);
    sim.ami!.dropConnections();
    await office.lab.waitFor('AMI seen down', async () => office.switchboard.ami?.isConnected === false);
    const refused = await office.api('POST', '/api/admin/reload', {});
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('pbx-unavailable');
    const metricsDown = await fetch(office.baseUrl + '/metrics').then((r) => r.text());
    expect(metricsDown).toMatch(/switchboard_pbx_connected\{peer="ami"\} 0/);

    sim.ami!.setAnswering(true);
    await office.lab.waitFor('AMI back', async () => office.switchboard.ami?.isConnected, 10_000);
    const metricsUp = await fetch(office.baseUrl + '/metrics').then((r) => r.text());
    expect(metricsUp).toMatch(/switchboard_pbx_connected\{peer="ami"\} 1/);
    expect(metricsUp).toMatch(/switchboard_pbx_reconnects(_total)?\{peer="ami"\} [1-9]/);
  });
});

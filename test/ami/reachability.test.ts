import { afterEach, describe, expect, it } from 'vitest';
import { AmiPhoneReachability } from '../../src/adapters/ami';
import type { EndpointReachability } from '../../src/ports/pbx-admin';
import type { SwitchboardEvent } from '../../src/domain/messages';
import { amiLab, recordingLogger, trackEscapes, waitFor, type AmiLab } from './support';

let lab: AmiLab | null = null;
let service: AmiPhoneReachability | null = null;
const escapes = trackEscapes();
afterEach(async () => {
  service?.close();
  await lab?.close();
  lab = service = null;
  expect(escapes.escaped).toEqual([]);
});

async function givenReachabilityService(opts: Parameters<typeof amiLab>[0] = {}) {
  lab = await amiLab(opts);
  const changes: EndpointReachability[] = [];
  service = new AmiPhoneReachability(lab.client, recordingLogger().logger);
  service.onReachability((c) => changes.push(c));
  await waitFor(() => changes.some((c) => c.endpoint === 'PJSIP/rx3'), 2000, 'the first sweep');
  return { lab, service, changes };
}

const of = (changes: EndpointReachability[], endpoint: string) => changes.filter((c) => c.endpoint === endpoint).map((c) => `${c.reachable}:${c.reason}`);

describe('phone reachability over AMI', () => {
  it('given phones registered when the service connects then the sweep reports each endpoint once', async () => {
    const { changes } = await givenReachabilityService();
    expect(changes.filter((c) => c.endpoint.startsWith('PJSIP/rx')).sort((a, b) => a.endpoint.localeCompare(b.endpoint))).toEqual([
      { endpoint: 'PJSIP/rx1', reachable: true, reason: 'contact-reachable' },
      { endpoint: 'PJSIP/rx2', reachable: true, reason: 'contact-reachable' },
      { endpoint: 'PJSIP/rx3', reachable: true, reason: 'contact-reachable' },
    ]);
  });

  it('given a phone fails its qualify then it is reported unreachable, and reachable again when it answers', async () => {
    const { lab, changes, service } = await givenReachabilityService();
    changes.length = 0;
    lab.sim.setPhone('rx1', { kind: 'unreachable' });
    await waitFor(() => changes.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(changes).toEqual([{ endpoint: 'PJSIP/rx1', reachable: false, reason: 'contact-unreachable' }]);
    expect(service.current('PJSIP/rx1')?.reachable).toBe(false);

    lab.sim.setPhone('rx1', { kind: 'answer', afterMs: 0 });
    await waitFor(() => changes.length > 1);
    expect(of(changes, 'PJSIP/rx1')).toEqual(['false:contact-unreachable', 'true:contact-reachable']);
  });

  it('given a phone ringing, answering and hanging up then reachability does not change', async () => {
    const { lab, changes } = await givenReachabilityService();
    changes.length = 0;
    const events: string[] = [];
    lab.client.onEvent((e) => e.type === 'DeviceStateChange' && events.push(e.state));
    const res = await fetch(`${lab.sim.url}/ari/channels?endpoint=PJSIP/rx2&app=switchboard`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${lab.sim.user}:${lab.sim.password}`).toString('base64') },
    });
    expect(res.status).toBe(200);
    await waitFor(() => events.includes('RINGING'));
    lab.sim.phoneAnswer('rx2'); // no app serves the leg, so it is hung up right after answering
    await waitFor(() => events.includes('NOT_INUSE'));
    expect(events).toEqual(['RINGING', 'INUSE', 'NOT_INUSE']);
    expect(changes).toEqual([]);
  });

  it('given a phone went unreachable while AMI was down when the client reconnects then the sweep reports it', async () => {
    const { lab, changes } = await givenReachabilityService();
    changes.length = 0;
    lab.ami.dropConnections();
    lab.sim.setPhone('rx2', { kind: 'unreachable' }); // the event goes to nobody
    await waitFor(() => changes.length > 0, 3000, 'the sweep after reconnect');
    expect(changes).toEqual([{ endpoint: 'PJSIP/rx2', reachable: false, reason: 'contact-unreachable' }]);
  });

  it('given a call is about to be offered to a phone when it goes unreachable then the sink hears it first and the offer goes elsewhere', async () => {
    const { lab, service } = await givenReachabilityService();
    // The fake sink: what the call service would do, translate endpoints into domain events.
    const receptionistOf: Record<string, string> = { 'PJSIP/rx1': 'ann', 'PJSIP/rx2': 'bob' };
    const domainEvents: SwitchboardEvent[] = [];
    const reachable = new Map<string, boolean>([
      ['ann', true],
      ['bob', true],
    ]);
    service.onReachability((c) => {
      const receptionistId = receptionistOf[c.endpoint];
      if (!receptionistId) return;
      domainEvents.push({ type: 'reachability-changed', receptionistId, reachable: c.reachable });
      reachable.set(receptionistId, c.reachable);
    });
    const idleLongestFirst = ['ann', 'bob'];
    const pick = () => idleLongestFirst.find((id) => reachable.get(id));
    expect(pick()).toBe('ann'); // ann is next in line

    lab.sim.setPhone('rx1', { kind: 'unreachable' });
    await waitFor(() => domainEvents.length > 0, 1000, 'the reachability event');
    expect(domainEvents).toEqual([{ type: 'reachability-changed', receptionistId: 'ann', reachable: false }]);
    expect(pick()).toBe('bob');

    lab.sim.setPhone('rx1', { kind: 'answer', afterMs: 0 });
    await waitFor(() => domainEvents.length > 1, 1000);
    expect(domainEvents[1]).toEqual({ type: 'reachability-changed', receptionistId: 'ann', reachable: true });
    expect(pick()).toBe('ann');
  });
});

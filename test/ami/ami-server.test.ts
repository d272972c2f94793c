import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startAsteriskSimulator, type AsteriskSimulator } from '../../src/simulator';
import { waitFor } from './support';

/** A raw TCP peer that records every byte the simulated AMI sends. */
async function rawPeer(port: number): Promise<{ socket: Socket; text: () => string; closed: () => boolean }> {
  let text = '';
  let closed = false;
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('close', () => (closed = true));
  await new Promise((r) => socket.once('connect', r));
  return { socket, text: () => text, closed: () => closed };
}

let sim: AsteriskSimulator | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

describe('simulated AMI speaks like Asterisk 22 (traces/ami-events.txt)', () => {
  it('greets, logs in, answers Ping and says goodbye byte for byte as the trace does', async () => {
    sim = await startAsteriskSimulator({ ami: { user: 'switchboard', secret: 'pw' } });
    const peer = await rawPeer(sim.ami!.port);
    await waitFor(() => peer.text().length > 0);
    expect(peer.text()).toBe('Asterisk Call Manager/11.0.0\r\n');

    peer.socket.write('Action: Login\r\nActionID: lab-login\r\nUsername: switchboard\r\nSecret: pw\r\n\r\n');
    await waitFor(() => peer.text().includes('Fully Booted'));
    expect(peer.text()).toMatch(
      /^Asterisk Call Manager\/11\.0\.0\r\nResponse: Success\r\nActionID: lab-login\r\nMessage: Authentication accepted\r\n\r\nEvent: FullyBooted\r\nPrivilege: system,all\r\nUptime: \d+\r\nLastReload: \d+\r\nStatus: Fully Booted\r\n\r\n$/,
    );

    const mark = peer.text().length;
    peer.socket.write('Action: Ping\r\nActionID: p1\r\n\r\n');
    await waitFor(() => peer.text().length > mark);
    expect(peer.text().slice(mark)).toMatch(/^Response: Success\r\nActionID: p1\r\nPing: Pong\r\nTimestamp: \d+\.\d{6}\r\n\r\n$/);

    const mark2 = peer.text().length;
    peer.socket.write('Action: Logoff\r\nActionID: lab-logoff\r\n\r\n');
    await waitFor(() => peer.closed());
    expect(peer.text().slice(mark2)).toBe('Response: Goodbye\r\nActionID: lab-logoff\r\nMessage: Thanks for all the fish.\r\n\r\n');
  });

  it('refuses a wrong secret and closes; refuses actions before login', async () => {
    sim = await startAsteriskSimulator({ ami: {} });
    const early = await rawPeer(sim.ami!.port);
    early.socket.write('Action: QueueStatus\r\nActionID: q\r\n\r\n');
    await waitFor(() => early.text().includes('Permission denied'));
    expect(early.text()).toContain('Response: Error\r\nActionID: q\r\nMessage: Permission denied\r\n\r\n');
    early.socket.destroy();

    const peer = await rawPeer(sim.ami!.port);
    peer.socket.write('Action: Login\r\nActionID: l\r\nUsername: switchboard\r\nSecret: nope\r\n\r\n');
    await waitFor(() => peer.closed());
    expect(peer.text()).toContain('Response: Error\r\nActionID: l\r\nMessage: Authentication failed\r\n\r\n');
  });

  it('reports ContactStatus and DeviceStateChange when a phone goes unreachable, as Asterisk does after a failed qualify', async () => {
    sim = await startAsteriskSimulator({ ami: {} });
    sim.setPhone('rx1', { kind: 'answer', afterMs: 0 });
    const peer = await rawPeer(sim.ami!.port);
    peer.socket.write('Action: Login\r\nUsername: switchboard\r\nSecret: switchboard\r\n\r\n');
    await waitFor(() => peer.text().includes('Fully Booted'));
    const mark = peer.text().length;
    sim.setPhone('rx1', { kind: 'unreachable' });
    await waitFor(() => peer.text().includes('UNAVAILABLE'));
    expect(peer.text().slice(mark)).toMatch(
      new RegExp(
        '^Event: ContactStatus\\r\\nPrivilege: system,all\\r\\nSystemName: pbx1\\r\\nURI: sip:rx1@127\\.0\\.0\\.1:\\d+\\r\\nContactStatus: Unreachable\\r\\nAOR: rx1\\r\\nEndpointName: rx1\\r\\nRoundtripUsec: 0\\r\\n\\r\\n' +
          'Event: PeerStatus\\r\\nPrivilege: system,all\\r\\nSystemName: pbx1\\r\\nChannelType: PJSIP\\r\\nPeer: PJSIP/rx1\\r\\nPeerStatus: Unreachable\\r\\n\\r\\n' +
          'Event: DeviceStateChange\\r\\nPrivilege: call,all\\r\\nSystemName: pbx1\\r\\nDevice: PJSIP/rx1\\r\\nState: UNAVAILABLE\\r\\n\\r\\n$',
      ),
    );
    peer.socket.destroy();
  });
});

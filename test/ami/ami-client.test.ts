import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AmiConnection, AmiError, type AmiEvent } from '../../src/adapters/ami';
import { amiLab, recordingLogger, trackEscapes, waitFor, type AmiLab } from './support';

let lab: AmiLab | null = null;
const escapes = trackEscapes();
afterEach(async () => {
  await lab?.close();
  lab = null;
  expect(escapes.escaped).toEqual([]);
});

const failure = async (p: Promise<unknown>): Promise<AmiError> => {
  try {
    await p;
  } catch (err) {
    return err as AmiError;
  }
  throw new Error('expected the action to fail');
};

describe('AMI client: connection', () => {
  it('given a running Asterisk when the client starts then it logs in and Ping is answered', async () => {
    lab = await amiLab();
    const pong = await lab.client.action({ Action: 'Ping' });
    expect(pong).toMatchObject({ response: 'Success', ping: 'Pong' });
    // asterisk-manager spells it `Event: on`, which Asterisk ignores: events follow manager.conf's read classes.
    expect(lab.ami.actions()[0]).toMatchObject({ Action: 'login', Username: 'switchboard', Secret: 'switchboard' });
  });

  it('given the connection is dropped then an action while down fails at once, the client is back within a second, and the action is never sent later', async () => {
    lab = await amiLab();
    const { client, ami } = lab;
    let disconnectedAt = 0;
    let connectedAt = 0;
    client.onDisconnected(() => (disconnectedAt = Date.now()));
    client.onConnected(() => (connectedAt = Date.now()));

    ami.dropConnections();
    await waitFor(() => disconnectedAt > 0, 2000, 'disconnect seen');
    const t0 = Date.now();
    const err = await failure(client.action({ Action: 'Command', Command: 'core show version' }));
    expect(Date.now() - t0).toBeLessThan(50);
    expect(err).toBeInstanceOf(AmiError);
    expect(err.code).toBe('ami-not-connected');

    await waitFor(() => connectedAt > 0, 2000, 'reconnect');
    expect(connectedAt - disconnectedAt).toBeLessThan(1000);
    expect(ami.logins()).toBe(2);
    await client.action({ Action: 'Ping' });
    await new Promise((r) => setTimeout(r, 100));
    expect(ami.actions().filter((a) => a.Action?.toLowerCase() === 'command')).toEqual([]);
  });

  it('given an action in flight when the connection drops then it fails at once with ami-disconnected', async () => {
    lab = await amiLab({ client: { actionTimeoutMs: 5000 } });
    lab.ami.setAnswering(false);
    const pending = failure(lab.client.action({ Action: 'Ping' }));
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    lab.ami.dropConnections();
    const err = await pending;
    expect(err.code).toBe('ami-disconnected');
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('given the server keeps dropping every login then the client keeps retrying with capped backoff until stopped', async () => {
    lab = await amiLab({ client: { reconnectInitialMs: 20, reconnectMaxMs: 60 } });
    const { ami, client } = lab;
    const stop = setInterval(() => ami.dropConnections(), 5);
    await new Promise((r) => setTimeout(r, 600));
    clearInterval(stop);
    // with a 60 ms cap, 600 ms of failures means many attempts, never a long pause
    expect(client.reconnects).toBeGreaterThanOrEqual(6);
    await waitFor(() => client.isConnected, 2000, 'reconnect after the faults stop');
  });
});

describe('AMI client: timeouts and keepalive', () => {
  it('given the server stops answering then an action fails with ami-timeout after actionTimeoutMs', async () => {
    lab = await amiLab({ client: { actionTimeoutMs: 150, keepaliveMs: 0 } });
    lab.ami.setAnswering(false);
    const t0 = Date.now();
    const err = await failure(lab.client.action({ Action: 'QueueStatus', Queue: 'switchboard-fallback' }));
    expect(err.code).toBe('ami-timeout');
    expect(err.message).toContain('QueueStatus');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('given the server stops answering then a missed keepalive Ping forces a reconnect', async () => {
    lab = await amiLab({ client: { actionTimeoutMs: 100, keepaliveMs: 150, connectTimeoutMs: 300 } });
    const { ami, client } = lab;
    let disconnects = 0;
    client.onDisconnected(() => disconnects++);
    ami.setAnswering(false);
    await waitFor(() => disconnects === 1, 2000, 'keepalive to give up');
    expect(client.isConnected).toBe(false);
    ami.setAnswering(true);
    await waitFor(() => client.isConnected, 3000, 'reconnect');
    expect(ami.logins()).toBe(2);
  });
});

describe('AMI client: header injection', () => {
  it.each([
    ['CRLF in a caller-ID name', { CallerID: '"Evil\r\nAction: Originate\r\nChannel: PJSIP/trunk/0900" <1>' }],
    ['a bare LF', { Command: 'core show version\nmodule unload res_pjsip.so' }],
    ['a bare CR', { Command: 'core show version\rx' }],
    ['CRLF in a header name', { 'X\r\nAction': 'Originate' }],
    ['an ActionID of our own', { ActionID: 'mine' }],
  ])('refuses %s and writes nothing', async (_what, extra) => {
    lab = await amiLab({ client: { keepaliveMs: 0 } });
    const before = lab.ami.bytesReceived().length;
    const err = await failure(lab.client.action({ Action: 'Command', ...extra }));
    expect(err.code).toBe('ami-unsafe-header');
    await lab.client.action({ Action: 'Ping' }); // anything written before this would have arrived by now
    const after = lab.ami.bytesReceived().slice(before);
    expect(after).not.toMatch(/Originate|Command|unload/i);
    expect(lab.ami.actions().map((a) => a.Action)).toEqual(['login', 'Ping']);
  });

  it('refuses a secret with a line break at construction', () => {
    const { logger } = recordingLogger();
    expect(() => new AmiConnection({ host: '127.0.0.1', port: 1, user: 'switchboard', secret: 'x\r\nAction: Originate', logger })).toThrow(AmiError);
  });
});

describe('AMI client: events', () => {
  it('given malformed events and a throwing listener then they are logged and skipped, and the next good event arrives', async () => {
    let peer: Socket | null = null;
    const server = createServer((s) => {
      peer = s;
      s.write('Asterisk Call Manager/11.0.0\r\n');
      s.on('data', (d) => {
        const id = /ActionID: (\S+)/i.exec(String(d))?.[1];
        if (/Action: login/i.test(String(d))) s.write(`Response: Success\r\nActionID: ${id}\r\nMessage: Authentication accepted\r\n\r\n`);
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const { logger, lines } = recordingLogger();
    const client = new AmiConnection({ host: '127.0.0.1', port, user: 'u', secret: 's', logger, keepaliveMs: 0 });
    const seen: AmiEvent[] = [];
    client.onEvent(() => {
      throw new Error('listener bug');
    });
    client.onEvent((e) => seen.push(e));
    client.start();
    try {
      await waitFor(() => client.isConnected);
      peer!.write(
        'Event: DeviceStateChange\r\nPrivilege: call,all\r\nDevice: PJSIP/rx1\r\n\r\n' + // no State
          'Event: DeviceStateChange\r\nDevice: PJSIP/rx1\r\nState: SIDEWAYS\r\n\r\n' + // unknown state
          'Event: ContactStatus\r\nURI: sip:rx1@h\r\n\r\n' + // no status, no endpoint
          'garbage without colon\r\n\u0000\u00ff\r\n\r\n' +
          'Event: DeviceStateChange\r\nPrivilege: call,all\r\nSystemName: pbx1\r\nDevice: PJSIP/rx1\r\nState: RINGING\r\n\r\n',
      );
      await waitFor(() => seen.some((e) => e.type === 'DeviceStateChange'), 2000, 'the good event');
      expect(seen.filter((e) => e.type === 'DeviceStateChange')).toEqual([{ type: 'DeviceStateChange', device: 'PJSIP/rx1', state: 'RINGING' }]);
      expect(lines.filter((l) => l.msg === 'malformed AMI event; skipped')).toHaveLength(3);
      expect(lines.some((l) => l.msg === 'AMI handler failed')).toBe(true);
    } finally {
      await client.stop();
      server.close();
    }
  });
});

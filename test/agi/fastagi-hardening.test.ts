import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startFastAgiServer, type FastAgiServer, type FastAgiServerOptions } from '../../src/agi/fastagi-server';
import { dialplanRoutes } from '../../src/agi/routes';
import type { DialplanClient, DialplanData } from '../../src/ports/dialplan-data';
import { environment, environmentBlock, RawAgiClient, runAsAsterisk } from './raw-agi-client';

const acme: DialplanClient = {
  id: 'acme',
  name: 'Acme Plumbing',
  schedule: { timeZone: 'America/Los_Angeles', hours: [], closures: [] },
  status: null,
  voicemailBox: 'acme',
  afterHours: { action: 'voicemail', announcement: null, forwardTo: null, forwardAllowed: false },
};

const inMemoryData: DialplanData = {
  clientForNumber: async (dialled) => (dialled === '5035550100' ? acme : null),
  callerListEntries: async () => [],
};

interface LogLine {
  level: number;
  msg: string;
  code?: string;
}

describe('FastAGI server hardening', () => {
  let server: FastAgiServer | null = null;
  let logs: LogLine[] = [];
  const open: RawAgiClient[] = [];

  async function start(options: Partial<FastAgiServerOptions> = {}, data: DialplanData = inMemoryData): Promise<FastAgiServer> {
    logs = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const routes = dialplanRoutes({ data, clock: { now: () => Date.parse('2026-11-23T18:00:00Z') }, defaults: { clientName: 'our service', voicemailBox: 'general' } });
    server = await startFastAgiServer({ port: 0, routes, logger, environmentTimeoutMs: 300, responseTimeoutMs: 300, ...options });
    return server;
  }

  async function connect(): Promise<RawAgiClient> {
    const client = await RawAgiClient.connect(server!.port);
    open.push(client);
    return client;
  }

  /** Sessions are released once their clean-up ran; poll instead of guessing a delay. */
  async function sessionsDrain(): Promise<void> {
    for (let i = 0; i < 100 && server!.activeSessions() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server!.activeSessions()).toBe(0);
  }

  const logged = (code: string) => logs.some((l) => l.code === code);

  afterEach(async () => {
    for (const c of open.splice(0)) c.destroy();
    await server?.close();
    server = null;
  });

  it('given the environment arrives in small pieces, CRLF line ends included, then the session is served normally', async () => {
    await start();
    const client = await connect();
    const block = environmentBlock(environment('client-lookup')).replace(/\n/g, '\r\n');
    for (let i = 0; i < block.length; i += 7) {
      client.send(block.slice(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
    expect(await client.line(0)).toBe('SET VARIABLE SB_CLIENT_ID "acme"');
  });

  it('given a route name with a leading slash and a query string then it still routes', async () => {
    await start();
    const run = await runAsAsterisk(server!.port, environment('/client-lookup?x=1'));
    expect(run.variables.SB_STATUS).toBe('ok');
  });

  it('given an unknown script then SB_STATUS=unknown-script is set and the socket is closed so the dialplan continues', async () => {
    await start();
    const run = await runAsAsterisk(server!.port, environment('no-such-route'));
    expect(run.variables).toEqual({ SB_STATUS: 'unknown-script' });
    expect(run.commands[0]).toMatch(/^VERBOSE "Switchboard: unknown FastAGI script no-such-route" 1$/);
    expect(run.closedByServer).toBe(true);
    expect(logged('agi-unknown-script')).toBe(true);
  });

  it('given a hostile script name then the VERBOSE line stays one quoted argument', async () => {
    await start();
    const run = await runAsAsterisk(server!.port, environment('evil"\r" EXEC Dial x'));
    expect(run.commands[0]).toBe('VERBOSE "Switchboard: unknown FastAGI script evil\\" \\" EXEC Dial x" 1');
    expect(run.variables.SB_STATUS).toBe('unknown-script');
  });

  it('given something that is not AGI (an HTTP request) then the connection is closed without any command', async () => {
    await start();
    const client = await connect();
    client.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await client.serverClosed();
    expect(client.received).toEqual([]);
    expect(logged('agi-malformed-environment')).toBe(true);
  });

  it('given an environment line without a colon then the session is closed without any command', async () => {
    await start();
    const client = await connect();
    client.send('agi_network: yes\nagi_network_script client-lookup\n\n');
    await client.serverClosed();
    expect(client.received).toEqual([]);
  });

  it('given an environment of endless lines then the session is closed', async () => {
    await start({ maxEnvironmentLines: 50 });
    const client = await connect();
    client.send(Array.from({ length: 60 }, (_, i) => `agi_x${i}: y\n`).join(''));
    await client.serverClosed();
    expect(logged('agi-environment-too-large')).toBe(true);
  });

  it('given a line longer than the limit (even without a newline) then the session is closed and it is logged', async () => {
    await start({ maxLineBytes: 8192 });
    const client = await connect();
    client.send(`agi_network: yes\nagi_calleridname: ${'A'.repeat(9000)}`);
    await client.serverClosed();
    expect(client.received).toEqual([]);
    expect(logged('agi-line-too-long')).toBe(true);
    await sessionsDrain();
  });

  it('given an oversized response line to a command then the session is closed with no further command', async () => {
    await start({ maxLineBytes: 1024 });
    const client = await connect();
    client.send(environmentBlock(environment('client-lookup')));
    expect(await client.line(0)).toMatch(/^SET VARIABLE SB_CLIENT_ID/);
    client.send(`200 result=1 (${'x'.repeat(2000)})\n`);
    await client.serverClosed();
    expect(client.received).toHaveLength(1);
    expect(logged('agi-line-too-long')).toBe(true);
  });

  it('given a client that connects and says nothing then the session is closed after the environment timeout', async () => {
    await start({ environmentTimeoutMs: 200 });
    const client = await connect();
    await client.serverClosed();
    expect(client.received).toEqual([]);
    expect(logged('agi-timeout')).toBe(true);
    await sessionsDrain();
  });

  it('given Asterisk stops answering a command then the session is closed after the response timeout, with no further command', async () => {
    await start({ responseTimeoutMs: 200 });
    const client = await connect();
    client.send(environmentBlock(environment('client-lookup')));
    expect(await client.line(0)).toMatch(/^SET VARIABLE/);
    await client.serverClosed();
    expect(client.received).toHaveLength(1);
    expect(logged('agi-timeout')).toBe(true);
  });

  it('given more connections than maxSessions then the extra one gets SB_STATUS=busy and is closed, and the served ones are unaffected', async () => {
    await start({ maxSessions: 2, environmentTimeoutMs: 5000 });
    const first = await connect();
    const second = await connect();
    for (let i = 0; i < 100 && server!.activeSessions() < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const extra = await connect();
    extra.send(environmentBlock(environment('client-lookup')));
    expect(await extra.line(0)).toBe('SET VARIABLE SB_STATUS "busy"');
    await extra.serverClosed();
    expect(logged('agi-too-many-sessions')).toBe(true);

    first.send(environmentBlock(environment('client-lookup')));
    expect(await first.line(0)).toBe('SET VARIABLE SB_CLIENT_ID "acme"');
    first.destroy();
    second.destroy();
    await sessionsDrain();
    // A slot is free again: a new call is served.
    expect((await runAsAsterisk(server!.port, environment('client-lookup'))).variables.SB_STATUS).toBe('ok');
  });

  it('given Asterisk sends HANGUP instead of a response then the server sends nothing more and closes', async () => {
    await start();
    const client = await connect();
    client.send(environmentBlock(environment('client-lookup')));
    expect(await client.line(0)).toMatch(/^SET VARIABLE SB_CLIENT_ID/);
    client.send('HANGUP\n');
    await client.serverClosed();
    expect(client.received).toHaveLength(1);
    expect(logs.some((l) => l.msg === 'caller hung up during the FastAGI session')).toBe(true);
    await sessionsDrain();
  });

  it('given HANGUP arrives between the response and the next command (as in the recorded trace) then the server stops and closes', async () => {
    await start();
    const client = await connect();
    client.send(environmentBlock(environment('client-lookup')));
    await client.line(0);
    client.send('200 result=1\nHANGUP\n');
    await client.serverClosed();
    expect(client.received.length).toBeLessThanOrEqual(2);
  });

  it('given Asterisk closes the socket mid-command then the session ends quietly and the next call is served', async () => {
    await start();
    const client = await connect();
    client.send(environmentBlock(environment('client-lookup')));
    await client.line(0);
    client.destroy();
    await sessionsDrain();
    expect((await runAsAsterisk(server!.port, environment('client-lookup'))).variables.SB_STATUS).toBe('ok');
  });

  it('given the socket closes while the lookup is running then nothing is sent and no error escapes', async () => {
    let release: () => void = () => undefined;
    const slow: DialplanData = { ...inMemoryData, clientForNumber: () => new Promise((resolve) => (release = () => resolve(acme))) };
    await start({}, slow);
    const client = await connect();
    client.send(environmentBlock(environment('client-lookup')));
    for (let i = 0; i < 100 && server!.activeSessions() < 1; i++) await new Promise((r) => setTimeout(r, 10));
    client.destroy();
    await new Promise((r) => setTimeout(r, 50));
    release();
    await sessionsDrain();
  });

  it('given Asterisk answers 510, 511 and a 520 usage block then the server reads them whole and carries on or stops as it should', async () => {
    await start();
    const run = await runAsAsterisk(server!.port, environment('client-lookup'), (_command, i) =>
      i === 0 ? '520-Invalid command syntax.  Proper usage follows:\nUsage: SET VARIABLE <variablename> <value>\n520 End of proper usage.\n' : i === 1 ? '510 Invalid or unknown command\n' : '200 result=1\n',
    );
    expect(run.order.at(-1)).toBe('SB_STATUS');
    expect(logs.filter((l) => l.code === 'agi-command-refused')).toHaveLength(2);

    const dead = await runAsAsterisk(server!.port, environment('client-lookup'), () => '511 Command Not Permitted on a dead channel or intercept routine\n');
    expect(dead.commands).toHaveLength(1);
  });

  it('given the data store fails then the route sets its safe defaults with SB_STATUS=error', async () => {
    await start({}, { ...inMemoryData, clientForNumber: async () => Promise.reject(new Error('connection refused')) });
    const run = await runAsAsterisk(server!.port, environment('after-hours'));
    expect(run.variables).toMatchObject({ SB_AFTER_HOURS_ACTION: 'answer', SB_FORWARD_TO: '', SB_STATUS: 'error' });
    expect(run.closedByServer).toBe(true);
  });

  it('given the data store hangs then after the lookup timeout the safe defaults are sent with SB_STATUS=error', async () => {
    await start({ lookupTimeoutMs: 100 }, { ...inMemoryData, clientForNumber: () => new Promise(() => undefined) });
    const run = await runAsAsterisk(server!.port, environment('caller-lookup'));
    expect(run.variables).toMatchObject({ SB_CALLER_BLOCKED: '0', SB_STATUS: 'error' });
    expect(logged('agi-lookup-timeout')).toBe(true);
  });

  it('given a client with a broken time zone then the call is still answered and SB_STATUS=error', async () => {
    const broken = { ...acme, schedule: { ...acme.schedule, timeZone: 'Not/AZone' } };
    await start({}, { ...inMemoryData, clientForNumber: async () => broken });
    const run = await runAsAsterisk(server!.port, environment('after-hours'));
    expect(run.variables).toMatchObject({ SB_CLIENT_ID: 'acme', SB_AFTER_HOURS_ACTION: 'answer', SB_STATUS: 'error' });
  });

  it('given sessions still open when the server closes then close() resolves and the sockets are cut', async () => {
    await start({ environmentTimeoutMs: 10_000 });
    const client = await connect();
    for (let i = 0; i < 100 && server!.activeSessions() < 1; i++) await new Promise((r) => setTimeout(r, 10));
    await server!.close();
    await client.closed;
    server = null;
  });
});

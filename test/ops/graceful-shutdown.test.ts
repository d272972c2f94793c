import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgres, migrate } from '../../src/adapters/postgres';
import type { Lab } from '../e2e/lab/lab';
import { startAsteriskLab } from '../e2e/lab/asterisk-lab';
import { startSimulatorLab } from '../e2e/lab/simulator-lab';
import { DATABASE_URL, REDIS_URL } from '../e2e/support/office';

const DID = '5035550100';
/** The API wants a token (API_AUTH defaults to required off the demo): the service token. */
const TOKEN = 'shutdown-test-service-token-0123';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('graceful shutdown', () => {
  let lab: Lab | undefined;
  let child: ChildProcess | undefined;
  const schema = `ops_${randomBytes(4).toString('hex')}`;

  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await lab?.reset().catch(() => undefined);
    await lab?.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('given a connected call when the Switchboard process gets SIGTERM then it exits 0, the call stays bridged, and new callers go to the dialplan fallback', async () => {
    const real = process.env.ASTERISK_ARI_URL;
    lab = real
      ? await startAsteriskLab({ url: real, user: process.env.ASTERISK_ARI_USER ?? 'switchboard', password: process.env.ASTERISK_ARI_PASSWORD ?? '' })
      : await startSimulatorLab();
    await migrate({ databaseUrl: DATABASE_URL, schema });
    const store = await createPostgres({ databaseUrl: DATABASE_URL, schema, logger: pino({ level: 'silent' }) });
    await store.directoryAdmin.upsertClient({
      id: 'acme', name: 'Acme', greeting: 'Hello', mohClass: 'default', holdPrompt: null, announcePosition: false,
      priorityTier: 0, maxWaitSeconds: 0, overflow: { kind: 'announcement', media: 'sound:goodbye' }, numbers: [DID],
    });
    await store.directoryAdmin.upsertReceptionist({ id: 'rx1', name: 'Sam', endpoint: lab.endpointFor('rx1'), groupId: 'g', wrapUpSeconds: 0, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
    await store.close();

    const port = await freePort();
    const stderr: string[] = [];
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        ASTERISK_ARI_URL: lab.ari.url,
        ASTERISK_ARI_USER: lab.ari.user,
        ASTERISK_ARI_PASSWORD: lab.ari.password,
        ARI_APP: lab.ari.app,
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        REDIS_URL,
        REDIS_PREFIX: `sbtest:${schema}:`,
        HTTP_PORT: String(port),
        FASTAGI_PORT: '0',
        LOG_LEVEL: 'warn',
        SWITCHBOARD_API_TOKEN: TOKEN,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    await lab.waitFor('Switchboard ready', async () => (await api('GET', '/health/ready').catch(() => null))?.status === 200, 20_000);

    await lab.setPhone('rx1', { kind: 'answer', afterMs: 50 });
    expect((await api('PUT', '/api/receptionists/rx1/presence', { state: 'available' })).status).toBe(200);
    const call = await lab.placeCall({ did: DID, callerName: 'Pat', callerNumber: '5035551234' });
    const connected = await lab.waitFor('connected', async () => {
      const v = await call.view();
      return v.connectedTo === 'rx1' ? v : null;
    });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
    expect(code, stderr.join('')).toBe(0);

    // The call is untouched: still up, still bridged with the receptionist.
    const after = await call.view();
    expect(after).toMatchObject({ alive: true, connectedTo: 'rx1' });
    const { url, user, password } = lab.ari;
    const bridges = (await (await fetch(`${url}/ari/bridges`, { headers: { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') } })).json()) as Array<{ id: string; channels: string[] }>;
    const bridge = bridges.find((b) => b.channels.includes(connected.channelId));
    expect(bridge?.channels).toHaveLength(2);

    // Nobody serves the Stasis app now: a new caller is taken by the dialplan fallback.
    const late = await lab.placeCall({ did: DID, callerName: 'Lee', callerNumber: '5035551235' });
    await late.ready();
    expect((await late.view()).fellBack).toBe(true);
  });
});

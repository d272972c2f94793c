import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { DATABASE_URL, Office } from '../e2e/support/office';

const DID = '5035550100';
/** The office's service token: the API wants one (SWITCHBOARD_API_TOKEN, as operators set it). */
let token: string | undefined;

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env: { DATABASE_URL, SWITCHBOARD_API_TOKEN: token, ...env }, now: () => Date.now() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('command line', () => {
  let office: Office;
  const schema = `cli_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    office = await Office.open();
    token = office.config.SWITCHBOARD_API_TOKEN;
    await office.seed({
      clients: [{ id: 'acme', name: 'Acme', numbers: [DID] }],
      receptionists: [{ id: 'rx1' }, { id: 'rx2' }],
    });
    await office.lab.setPhone('rx1', { kind: 'answer', afterMs: 20 });
    await office.setPresence('rx1', 'available');
    await office.setPresence('rx2', 'paused', 'lunch');
    const call = await office.lab.placeCall({ did: DID, callerName: 'Pat', callerNumber: '5035551234' });
    await office.lab.waitFor('connected', async () => (await call.view()).connectedTo === 'rx1');
  });

  afterAll(async () => {
    await office.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('status: a table of the dependencies, callers waiting and receptionists by state; --json for scripts', async () => {
    const table = await cli(['status', '--url', office.baseUrl]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^Switchboard: ready$/m);
    expect(table.out).toMatch(/^asterisk\s+ok$/m);
    expect(table.out).toMatch(/^Callers waiting: 0$/m);
    expect(table.out).toContain('1 on-call');
    expect(table.out).toContain('1 paused');
    const json = await cli(['status', '--json', '--url', office.baseUrl]);
    expect(JSON.parse(json.out)).toMatchObject({ ready: true, checks: { asterisk: true, postgres: true, redis: true }, callersWaiting: 0, receptionists: { 'on-call': 1, paused: 1 } });
  });

  it('reload-dialplan: without AMI configured it fails with a clear reason and exit code 1', async () => {
    const { code, err } = await cli(['reload-dialplan', '--url', office.baseUrl]);
    expect(code).toBe(1);
    expect(err).toMatch(/ami-not-configured/);
  });

  it('receptionists: one row each with state and pause reason', async () => {
    const { code, out } = await cli(['receptionists', '--url', office.baseUrl]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATE\s+REASON\s+SINCE\s+REACHABLE$/);
    expect(lines.find((l) => l.startsWith('rx1'))).toMatch(/on-call/);
    expect(lines.find((l) => l.startsWith('rx2'))).toMatch(/paused\s+lunch/);
    const json = JSON.parse((await cli(['receptionists', '--json', '--url', office.baseUrl])).out);
    expect(json.map((r: { id: string }) => r.id).sort()).toEqual(['rx1', 'rx2']);
  });

  it('calls: the call in progress with its client, number dialled and receptionist', async () => {
    const { code, out } = await cli(['calls', '--url', office.baseUrl]);
    expect(code).toBe(0);
    expect(out.split('\n')[1]).toMatch(new RegExp(`acme\\s+${DID}\\s+connected\\s+rx1`));
    const json = JSON.parse((await cli(['calls', '--json', '--url', office.baseUrl])).out);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ clientId: 'acme', phase: 'connected', receptionistId: 'rx1' });
  });

  it('migrate and seed-demo work on the database named by DATABASE_URL and DATABASE_SCHEMA', async () => {
    expect(await cli(['migrate'], { DATABASE_SCHEMA: schema })).toMatchObject({ code: 0, out: 'Database is up to date.' });
    expect(await cli(['seed-demo'], { DATABASE_SCHEMA: schema })).toMatchObject({ code: 0, out: 'Seeded the demo office: 3 clients, 4 receptionists.' });
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    const { rows } = await pool.query(`SELECT id FROM ${schema}.receptionists ORDER BY id`);
    await pool.end();
    expect(rows.map((r) => r.id)).toEqual(['alex', 'jordan', 'riley', 'sam']);
  });

  it('create-user adds a user with a scrypt hash; a client user needs --client; the password comes from env or stdin', async () => {
    const env = { DATABASE_SCHEMA: schema, SWITCHBOARD_NEW_PASSWORD: 'correct horse battery' };
    await cli(['migrate'], { DATABASE_SCHEMA: schema });
    await cli(['seed-demo'], { DATABASE_SCHEMA: schema });
    expect(await cli(['create-user', '--email', 'Boss@Example.com', '--role', 'admin'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/^Created admin boss@example.com/) });
    expect(await cli(['create-user', '--email', 'c@example.com', '--role', 'client'], env)).toMatchObject({ code: 1, err: expect.stringMatching(/needs a clientId/) });
    const fromStdin = await runCli(['create-user', '--email', 'c@example.com', '--role', 'client', '--client', 'hale-law'], {
      out: () => undefined,
      err: () => undefined,
      env: { DATABASE_URL, DATABASE_SCHEMA: schema },
      now: () => Date.now(),
      readLine: async () => 'from stdin, long enough',
    });
    expect(fromStdin).toBe(0);
    expect(await cli(['create-user', '--email', 'boss@example.com', '--role', 'admin'], env)).toMatchObject({ code: 1, err: expect.stringMatching(/email-taken/) });
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    const { rows } = await pool.query(`SELECT email, role, client_id, password_hash FROM ${schema}.users ORDER BY email`);
    await pool.end();
    expect(rows.map((r) => [r.email, r.role, r.client_id])).toEqual([['boss@example.com', 'admin', null], ['c@example.com', 'client', 'hale-law']]);
    for (const r of rows) expect(r.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('given a server that is not there, an unknown command or a bad flag then one clear line and exit code 1', async () => {
    const down = await cli(['status', '--url', 'http://127.0.0.1:9']);
    expect(down).toMatchObject({ code: 1 });
    expect(down.err).toMatch(/cannot reach Switchboard at http:\/\/127\.0\.0\.1:9/);
    expect(await cli(['frobnicate'])).toMatchObject({ code: 1, err: expect.stringMatching(/^unknown command: frobnicate/) });
    expect(await cli(['status', '--colour'])).toMatchObject({ code: 1, err: expect.stringMatching(/Unknown option '--colour'/) });
  });

  it('the package bin runs the same CLI', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/switchboard.mjs', 'receptionists', '--json', '--url', office.baseUrl], { env: { ...process.env, SWITCHBOARD_API_TOKEN: token } });
    expect(JSON.parse(stdout).map((r: { id: string }) => r.id).sort()).toEqual(['rx1', 'rx2']);
  });
});

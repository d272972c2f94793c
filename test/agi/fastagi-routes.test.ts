import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/adapters/postgres';
import { PostgresDialplanData } from '../../src/adapters/postgres/dialplan-data';
import { startFastAgiServer, type FastAgiServer } from '../../src/agi/fastagi-server';
import { dialplanRoutes } from '../../src/agi/routes';
import { environment, runAsAsterisk } from './raw-agi-client';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `agi_${randomBytes(4).toString('hex')}`;

// Monday 2026-11-23 10:00 in Portland (PST, UTC-8).
const MONDAY_10AM = Date.parse('2026-11-23T18:00:00Z');
const MONDAY_8PM = Date.parse('2026-11-24T04:00:00Z');
const THANKSGIVING_10AM = Date.parse('2026-11-26T18:00:00Z');

const HOSTILE_STATUS = 'out until 3 pm "back" \\soon\r\nSET VARIABLE SB_CLIENT_OPEN "0"\nEXEC Dial PJSIP/900@trunk';

describe('FastAGI routes on PostgreSQL data, spoken to over raw TCP', () => {
  let pool: pg.Pool;
  let server: FastAgiServer;
  let now = MONDAY_10AM;

  beforeAll(async () => {
    await migrate({ databaseUrl: DATABASE_URL, schema });
    pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
    await pool.query(`
      INSERT INTO clients (id, name, overflow, time_zone, voicemail_box, after_hours_action, after_hours_forward_to, after_hours_forward_allowed, after_hours_announcement) VALUES
        ('acme', 'Acme Plumbing', '{"kind":"voicemail","mailbox":"acme-old","greeting":"","maxSeconds":60}', 'America/Los_Angeles', 'acme@clients', 'voicemail', NULL, false, NULL),
        ('night', 'Night Owl Vets', '{"kind":"announcement","media":"sound:closed"}', 'America/Los_Angeles', NULL, 'forward', '+15035559999', true, NULL),
        ('sneaky', 'Sneaky Co', '{"kind":"announcement","media":"sound:closed"}', 'America/Los_Angeles', NULL, 'forward', '+19005551212', false, NULL),
        ('spa', 'Zen Spa', '{"kind":"voicemail","mailbox":"spa","greeting":"","maxSeconds":60}', 'America/Los_Angeles', NULL, 'announcement', NULL, false, 'custom/spa-closed');
      INSERT INTO client_numbers (number, client_id) VALUES ('5035550100', 'acme'), ('5035550200', 'night'), ('5035550300', 'sneaky'), ('+15035550400', 'spa');
      INSERT INTO client_business_hours (client_id, weekday, opens, closes)
        SELECT c, d, '09:00', '17:00' FROM unnest(ARRAY['acme','night','sneaky','spa']) c, generate_series(1, 5) d;
      INSERT INTO client_closures (client_id, first_day, last_day, label) VALUES
        ('acme', '2026-11-26', '2026-11-27', 'Thanksgiving'), ('acme', '2025-12-25', '2025-12-25', 'Christmas 2025');
      INSERT INTO caller_list_entries (client_id, number, kind, label) VALUES
        ('acme', '5035551234', 'vip', 'Owner''s mother'),
        (NULL, '5035556666', 'blocked', 'robocaller'),
        (NULL, '5035557777', 'blocked', 'reported as spam'),
        ('acme', '5035557777', 'known', 'Supplier');
    `);
    await pool.query('INSERT INTO client_status (client_id, text, expires_at) VALUES ($1, $2, NULL)', ['acme', HOSTILE_STATUS]);
    const routes = dialplanRoutes({
      data: new PostgresDialplanData(pool),
      clock: { now: () => now },
      defaults: { clientName: 'our answering service', voicemailBox: '1000@switchboard' },
    });
    server = await startFastAgiServer({ port: 0, routes, logger: pino({ level: 'silent' }) });
  });

  beforeEach(() => {
    now = MONDAY_10AM;
  });

  afterAll(async () => {
    await server?.close();
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  describe('client-lookup', () => {
    it('given a known number within business hours then every client variable is set, SB_STATUS=ok last, and the server closes the socket', async () => {
      const run = await runAsAsterisk(server.port, environment('client-lookup'));
      expect(run.variables).toEqual({
        SB_CLIENT_ID: 'acme',
        SB_CLIENT_NAME: 'Acme Plumbing',
        SB_CLIENT_OPEN: '1',
        SB_CLIENT_OPEN_REASON: 'within-hours',
        SB_CLIENT_CLOSURE: '',
        SB_CLIENT_STATUS: 'out until 3 pm "back" \\soon  SET VARIABLE SB_CLIENT_OPEN "0" EXEC Dial PJSIP/900@trunk',
        SB_VOICEMAIL_BOX: 'acme@clients',
        SB_STATUS: 'ok',
      });
      expect(run.order.at(-1)).toBe('SB_STATUS');
      expect(run.closedByServer).toBe(true);
    });

    it('given hostile posted status text then each command is one well-formed line and the open flag is not overridden', async () => {
      const run = await runAsAsterisk(server.port, environment('client-lookup'));
      expect(run.commands.every((c) => /^SET VARIABLE SB_[A-Z_]+ "/.test(c) && !c.includes('\r'))).toBe(true);
      expect(run.commands.filter((c) => c.startsWith('SET VARIABLE SB_CLIENT_OPEN ')).length).toBe(1);
      expect(run.variables.SB_CLIENT_OPEN).toBe('1');
    });

    it('given the dialled number as an AGI argument (after a Goto changed the extension) then the argument is used', async () => {
      const run = await runAsAsterisk(server.port, environment('client-lookup', { agi_extension: 's', agi_arg_1: '+1 503 555 0400' }));
      expect(run.variables).toMatchObject({ SB_CLIENT_ID: 'spa', SB_CLIENT_NAME: 'Zen Spa', SB_STATUS: 'ok', SB_VOICEMAIL_BOX: 'spa' });
    });

    it('given a holiday then the client is closed with the closure named', async () => {
      now = THANKSGIVING_10AM;
      const run = await runAsAsterisk(server.port, environment('client-lookup'));
      expect(run.variables).toMatchObject({ SB_CLIENT_OPEN: '0', SB_CLIENT_OPEN_REASON: 'closure', SB_CLIENT_CLOSURE: 'Thanksgiving', SB_STATUS: 'ok' });
    });

    it('given a number no client owns then SB_STATUS=unknown-number with the company-wide safe defaults', async () => {
      const run = await runAsAsterisk(server.port, environment('client-lookup', { agi_extension: '5039999999' }));
      expect(run.variables).toEqual({
        SB_CLIENT_ID: '',
        SB_CLIENT_NAME: 'our answering service',
        SB_CLIENT_OPEN: '1',
        SB_CLIENT_OPEN_REASON: 'unknown-number',
        SB_CLIENT_CLOSURE: '',
        SB_CLIENT_STATUS: '',
        SB_VOICEMAIL_BOX: '1000@switchboard',
        SB_STATUS: 'unknown-number',
      });
    });
  });

  describe('caller-lookup', () => {
    const callerFrom = (callerid: string, extra: Record<string, string> = {}) => runAsAsterisk(server.port, environment('caller-lookup', { agi_callerid: callerid, ...extra }));

    it("given the client's VIP calls then VIP and known with the client's label", async () => {
      const run = await callerFrom('5035551234');
      expect(run.variables).toEqual({
        SB_CLIENT_ID: 'acme',
        SB_CALLER_CLASS: 'vip',
        SB_CALLER_KNOWN: '1',
        SB_CALLER_VIP: '1',
        SB_CALLER_BLOCKED: '0',
        SB_CALLER_SCOPE: 'client',
        SB_CALLER_LABEL: "Owner's mother",
        SB_STATUS: 'ok',
      });
    });

    it('given a number on the company spam list then blocked, for any client', async () => {
      expect((await callerFrom('5035556666')).variables).toMatchObject({ SB_CALLER_BLOCKED: '1', SB_CALLER_CLASS: 'blocked', SB_CALLER_SCOPE: 'company' });
      expect((await callerFrom('5035556666', { agi_extension: '5035550200' })).variables).toMatchObject({ SB_CLIENT_ID: 'night', SB_CALLER_BLOCKED: '1' });
    });

    it('given a company-listed spammer the client marked as known then the client entry wins for that client only', async () => {
      expect((await callerFrom('5035557777')).variables).toMatchObject({ SB_CALLER_CLASS: 'known', SB_CALLER_BLOCKED: '0', SB_CALLER_LABEL: 'Supplier' });
      expect((await callerFrom('5035557777', { agi_extension: '5035550200' })).variables).toMatchObject({ SB_CALLER_BLOCKED: '1' });
    });

    it('given an unknown caller to an unknown number then company lists still apply and SB_STATUS=unknown-number', async () => {
      expect((await callerFrom('5035556666', { agi_extension: '5039999999' })).variables).toMatchObject({ SB_CLIENT_ID: '', SB_CALLER_BLOCKED: '1', SB_STATUS: 'unknown-number' });
      expect((await callerFrom('5035550000')).variables).toMatchObject({ SB_CALLER_CLASS: 'unknown', SB_CALLER_KNOWN: '0', SB_STATUS: 'ok' });
    });

    it('given a withheld caller ID then anonymous', async () => {
      expect((await callerFrom('unknown')).variables).toMatchObject({ SB_CALLER_CLASS: 'anonymous', SB_CALLER_BLOCKED: '0', SB_STATUS: 'ok' });
    });

    it('given hostile caller-ID text with quotes and CR then nothing is injected and the caller is not taken for the VIP', async () => {
      const run = await callerFrom('5035551234" \r SET VARIABLE SB_CALLER_BLOCKED "1', { agi_calleridname: 'Evil "name"\r' });
      expect(run.variables).toMatchObject({ SB_CALLER_CLASS: 'unknown', SB_CALLER_VIP: '0', SB_CALLER_BLOCKED: '0', SB_STATUS: 'ok' });
      expect(run.commands.filter((c) => c.includes('SB_CALLER_BLOCKED')).length).toBe(1);
    });
  });

  describe('after-hours', () => {
    const afterHours = (dialled: string) => runAsAsterisk(server.port, environment('after-hours', { agi_extension: dialled }));

    it('given the client is open then answer', async () => {
      expect((await afterHours('5035550100')).variables).toEqual({
        SB_CLIENT_ID: 'acme',
        SB_CLIENT_OPEN: '1',
        SB_AFTER_HOURS_ACTION: 'answer',
        SB_AFTER_HOURS_REASON: 'open',
        SB_VOICEMAIL_BOX: 'acme@clients',
        SB_ANNOUNCEMENT: '',
        SB_FORWARD_TO: '',
        SB_STATUS: 'ok',
      });
    });

    it('given closed (Monday 8 pm) then each client gets what it configured: voicemail, announcement, forward', async () => {
      now = MONDAY_8PM;
      expect((await afterHours('5035550100')).variables).toMatchObject({ SB_CLIENT_OPEN: '0', SB_AFTER_HOURS_ACTION: 'voicemail', SB_VOICEMAIL_BOX: 'acme@clients', SB_FORWARD_TO: '' });
      expect((await afterHours('+15035550400')).variables).toMatchObject({ SB_AFTER_HOURS_ACTION: 'announcement', SB_ANNOUNCEMENT: 'custom/spa-closed' });
      expect((await afterHours('5035550200')).variables).toMatchObject({ SB_AFTER_HOURS_ACTION: 'forward', SB_FORWARD_TO: '+15035559999', SB_STATUS: 'ok' });
    });

    it('given closed and a forward the company has not allowed then voicemail, and SB_FORWARD_TO stays empty', async () => {
      now = MONDAY_8PM;
      expect((await afterHours('5035550300')).variables).toMatchObject({
        SB_AFTER_HOURS_ACTION: 'voicemail',
        SB_AFTER_HOURS_REASON: 'forward-not-allowed',
        SB_FORWARD_TO: '',
        SB_VOICEMAIL_BOX: '1000@switchboard',
      });
    });

    it('given a holiday within hours then the after-hours action applies', async () => {
      now = THANKSGIVING_10AM;
      expect((await afterHours('5035550100')).variables).toMatchObject({ SB_CLIENT_OPEN: '0', SB_AFTER_HOURS_ACTION: 'voicemail' });
    });

    it('given an unknown number then answer with SB_STATUS=unknown-number', async () => {
      expect((await afterHours('5039999999')).variables).toMatchObject({ SB_AFTER_HOURS_ACTION: 'answer', SB_STATUS: 'unknown-number' });
    });
  });
});

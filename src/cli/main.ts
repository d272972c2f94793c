/**
 * switchboard <command> [--json] [--url URL]
 *
 * Operators' command line: reads the running server through its HTTP API (status, receptionists,
 * calls) or works on PostgreSQL directly (migrate, seed-demo). Human-readable tables by default,
 * `--json` for scripts. Exit code 0 on success, 1 on failure (status: 1 when not ready).
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createPostgres, migrate } from '../adapters/postgres';
import { openAnalytics } from '../adapters/postgres/analytics';
import { analyticsSettings, loadConfig } from '../config';
import type { CallSnapshot } from '../domain/messages';
import type { ReceptionistView } from '../calls/call-service';
import { seedDemoDirectory } from '../demo/demo-directory';
import { PostgresUserStore } from '../adapters/postgres/users';
import { checkUserShape, ROLES, type Role } from '../domain/access';
import { hashPassword } from '../http/passwords';
import { ApiClient, CliError } from './api-client';
import { formatDuration, formatTable } from './table';

const USAGE = `Usage: switchboard <command> [--json] [--url URL]

Commands:
  status          readiness of ARI, PostgreSQL and Redis; callers waiting; receptionists by state
  receptionists   every receptionist and their state
  calls           calls in progress
  migrate         apply pending database migrations
  seed-demo       write the demo office (3 clients, 4 receptionists) into the database
  analytics-recompute --from DATE --to DATE
                  recompute the analytics intervals of [from, to) from the call timelines and
                  presence (idempotent); DATE is ISO 8601 (2026-11-01 or 2026-11-01T10:00:00Z)
  create-user --email EMAIL --role ROLE [--name NAME] [--client ID] [--receptionist ID]
                  add an API user (role admin, supervisor, receptionist or client); the password
                  is read from SWITCHBOARD_NEW_PASSWORD, else from the first line of stdin
  reload-dialplan ask Asterisk (over AMI) to reload the dialplan after dialplan/ was edited;
                  --pjsip reloads res_pjsip instead (config/pjsip.conf), --all both

Options:
  --json          print JSON instead of a table
  --pjsip, --all  with reload-dialplan: what to reload
  --url URL       the Switchboard HTTP API (default $SWITCHBOARD_URL or http://127.0.0.1:8080)
  -h, --help      this text

The API token, when the server wants one, is read from SWITCHBOARD_API_TOKEN; the database from
DATABASE_URL and DATABASE_SCHEMA.`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  now(): number;
  /** The first line of stdin (create-user's password when SWITCHBOARD_NEW_PASSWORD is unset). */
  readLine?(): Promise<string>;
}

async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

type Ready = { status: string; checks: Record<string, boolean> };

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' }, pjsip: { type: 'boolean' }, all: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, client: { type: 'string' }, receptionist: { type: 'string' } } });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    (command || values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 1;
  }
  const json = values.json === true;
  const print = (data: unknown, table: string) => io.out(json ? JSON.stringify(data, null, 2) : table);
  const api = () => new ApiClient(values.url ?? io.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080', io.env.SWITCHBOARD_API_TOKEN);

  try {
    switch (command) {
      case 'status': {
        const client = api();
        const ready = await client.get<Ready>('/health/ready');
        const [receptionists, queue] = ready.status === 401 ? [null, null] : await Promise.all([
          client.get<{ receptionists: ReceptionistView[] }>('/api/receptionists'),
          client.get<{ waiting: Array<{ waitMs: number }> }>('/api/queue'),
        ]);
        const byState: Record<string, number> = {};
        for (const r of receptionists?.body.receptionists ?? []) byState[r.presence.kind] = (byState[r.presence.kind] ?? 0) + 1;
        const waiting = queue?.body.waiting ?? [];
        const status = {
          ready: ready.status === 200,
          checks: ready.body.checks,
          callersWaiting: waiting.length,
          longestWaitMs: waiting.reduce((m, w) => Math.max(m, w.waitMs), 0),
          receptionists: byState,
        };
        print(
          status,
          [
            `Switchboard: ${status.ready ? 'ready' : 'NOT READY'}`,
            formatTable(['dependency', 'state'], Object.entries(status.checks).map(([k, ok]) => [k, ok ? 'ok' : 'DOWN'])),
            '',
            `Callers waiting: ${status.callersWaiting}${status.callersWaiting ? ` (longest ${formatDuration(status.longestWaitMs)})` : ''}`,
            `Receptionists: ${Object.entries(byState).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`,
          ].join('\n'),
        );
        return status.ready ? 0 : 1;
      }
      case 'receptionists': {
        const { body } = await api().get<{ receptionists: ReceptionistView[] }>('/api/receptionists');
        const list = body.receptionists;
        print(
          list,
          formatTable(
            ['id', 'name', 'state', 'reason', 'since', 'reachable'],
            list.map((r) => [r.id, r.name, r.presence.kind, r.presence.kind === 'paused' ? r.presence.reason : null, formatDuration(io.now() - r.presenceSince), r.reachable ? 'yes' : `NO (${r.unreachableReason ?? 'unreachable'})`]),
            'No receptionists.',
          ),
        );
        return 0;
      }
      case 'calls': {
        const { body } = await api().get<{ calls: CallSnapshot[] }>('/api/calls/live');
        const list = body.calls;
        print(
          list,
          formatTable(
            ['call', 'client', 'dialled', 'phase', 'receptionist', 'age'],
            list.map((c) => [c.id, c.clientId, c.did, c.phase, c.receptionistId ?? c.offer?.receptionistId, formatDuration(io.now() - c.arrivedAt)]),
            'No calls in progress.',
          ),
        );
        return 0;
      }
      case 'reload-dialplan': {
        const what = values.all ? 'all' : values.pjsip ? 'pjsip' : 'dialplan';
        const res = await api().post<{ reloaded?: Array<{ module: string; message: string }>; error?: { code: string; message: string } }>('/api/admin/reload', { what });
        if (res.status !== 200 || !res.body.reloaded) {
          io.err(`switchboard reload-dialplan: ${res.body.error?.code ?? `HTTP ${res.status}`}: ${res.body.error?.message ?? 'reload failed'}`);
          return 1;
        }
        print(res.body, formatTable(['reloaded', 'Asterisk said'], res.body.reloaded.map((r) => [r.module, r.message]), 'Nothing reloaded.'));
        return 0;
      }
      case 'migrate':
      case 'seed-demo': {
        const config = loadConfig(io.env);
        await migrate({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
        if (command === 'migrate') {
          print({ migrated: true }, 'Database is up to date.');
          return 0;
        }
        const store = await createPostgres({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, logger: pino({ level: 'silent' }) });
        try {
          const seeded = await seedDemoDirectory(store.directoryAdmin);
          print(seeded, `Seeded the demo office: ${seeded.clients} clients, ${seeded.receptionists} receptionists.`);
        } finally {
          await store.close();
        }
        return 0;
      }
      case 'create-user': {
        const role = values.role as Role;
        const shape = { role, clientId: values.client ?? null, receptionistId: values.receptionist ?? null };
        const problem = !values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email) ? 'give --email' : !ROLES.includes(role) ? `--role is one of ${ROLES.join(', ')}` : checkUserShape(shape);
        if (problem) {
          io.err(`switchboard create-user: ${problem}\n\n${USAGE}`);
          return 1;
        }
        const password = io.env.SWITCHBOARD_NEW_PASSWORD ?? (await (io.readLine ?? firstLineOfStdin)());
        if (password.length < 10) {
          io.err('switchboard create-user: the password must have 10 characters or more');
          return 1;
        }
        const config = loadConfig(io.env);
        await migrate({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
        const store = await createPostgres({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, logger: pino({ level: 'silent' }) });
        try {
          const created = await new PostgresUserStore(store.pool).createUser({ email: values.email!.toLowerCase(), name: values.name ?? '', ...shape, passwordHash: await hashPassword(password) });
          if (typeof created === 'string') {
            io.err(`switchboard create-user: ${created}`);
            return 1;
          }
          print(created, `Created ${created.role} ${created.email} (${created.id}).`);
        } finally {
          await store.close();
        }
        return 0;
      }
      case 'analytics-recompute': {
        const from = Date.parse(values.from ?? '');
        const to = Date.parse(values.to ?? '');
        if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
          io.err(`switchboard analytics-recompute: give --from and --to as ISO dates, from before to\n\n${USAGE}`);
          return 1;
        }
        const config = loadConfig(io.env);
        await migrate({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
        const { analytics, close } = openAnalytics({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, config: analyticsSettings(config), logger: pino({ level: 'silent' }) });
        try {
          const started = Date.now();
          const report = await analytics.recomputeAnalytics({ from, to });
          const seconds = (Date.now() - started) / 1000;
          print(
            { ...report, from: new Date(from).toISOString(), to: new Date(to).toISOString(), seconds },
            `Recomputed ${report.intervals} intervals (${report.calls} calls, ${report.rows} rows) in ${seconds.toFixed(1)} s.`,
          );
        } finally {
          await close();
        }
        return 0;
      }
      default:
        io.err(`unknown command: ${command}\n\n${USAGE}`);
        return 1;
    }
  } catch (err) {
    io.err(`switchboard ${command}: ${err instanceof CliError ? err.message : (err as Error).message}`);
    return 1;
  }
}

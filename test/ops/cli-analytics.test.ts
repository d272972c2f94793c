import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCallLog } from '../../src/adapters/postgres/call-log';
import { migrate } from '../../src/adapters/postgres/migrate';
import { runCli } from '../../src/cli/main';
import type { TimelineEntry } from '../../src/domain/messages';
import { timelines } from '../analytics/fixture';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env: { DATABASE_URL, ...env }, now: () => Date.now() });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('command line: analytics-recompute', () => {
  const schema = `cli_an_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;

  beforeAll(async () => {
    await migrate({ databaseUrl: DATABASE_URL, schema });
    pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 2 });
    const log = new PostgresCallLog(pool, pino({ level: 'silent' }), 1);
    for (const t of Object.values(timelines)) for (const e of t) log.append(e as TimelineEntry);
    await log.flush();
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('given the fixture morning then it recomputes the range into interval rows, twice alike', async () => {
    const args = ['analytics-recompute', '--from', '2026-11-23T10:00:00Z', '--to', '2026-11-23T10:45:00Z'];
    const json = await cli([...args, '--json'], { DATABASE_SCHEMA: schema });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ windows: 1, intervals: 3, calls: 8 });
    const table = await cli(args, { DATABASE_SCHEMA: schema });
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^Recomputed 3 intervals \(8 calls, \d+ rows\)/);
    const { rows } = await pool.query("SELECT arrived, answered FROM analytics_intervals WHERE scope = 'company' ORDER BY interval_start");
    expect(rows[0]).toEqual({ arrived: 8, answered: 5 });
  });

  it('given no or reversed dates then one clear line and exit code 1', async () => {
    for (const args of [['analytics-recompute'], ['analytics-recompute', '--from', '2026-11-02', '--to', '2026-11-01'], ['analytics-recompute', '--from', 'soon', '--to', '2026-11-01']]) {
      const r = await cli(args, { DATABASE_SCHEMA: schema });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/give --from and --to/);
    }
  });
});

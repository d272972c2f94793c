/**
 * The call-path bench's rig: the simulator in this process, a fresh schema and Redis prefix with
 * one client and N receptionists whose phones answer after 5 ms, and Switchboard as its own
 * process against them, every receptionist logged in as available. Used by the `calls` and
 * `features` sections of scripts/bench.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startAsteriskSimulator, type AsteriskSimulator } from '../../src/simulator';
import { createPostgres, migrate } from '../../src/adapters/postgres';

export interface BenchRig {
  sim: AsteriskSimulator;
  child: ChildProcess;
  httpPort: number;
  /** Receptionist ids, which are also their phones' names (`PJSIP/<id>`). */
  phones: string[];
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Waits until the PBX has been quiet (no event, no request) for half a second. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system, ms) a process has used so far. */
export function cpuMs(pid: number | 'self'): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startBenchRig(o: {
  databaseUrl: string;
  redisUrl: string;
  did: string;
  receptionists: number;
  /** Called with the simulator before anything happens on it (to attach probes). */
  onSimulator?: (sim: AsteriskSimulator) => void;
}): Promise<BenchRig> {
  const tag = randomBytes(3).toString('hex');
  const schema = `bench_${tag}`;
  const prefix = `sbbench:${tag}:`;
  const sim = await startAsteriskSimulator({ port: 0, stasisApp: 'switchboard', bridgeDestroyDelayMs: 50 });
  o.onSimulator?.(sim);
  const logger = pino({ level: 'silent' });

  await migrate({ databaseUrl: o.databaseUrl, schema });
  const store = await createPostgres({ databaseUrl: o.databaseUrl, schema, logger });
  await store.directoryAdmin.upsertClient({
    id: 'bench',
    name: 'Bench Client',
    greeting: 'Hello',
    mohClass: 'default',
    holdPrompt: null,
    announcePosition: false,
    priorityTier: 0,
    maxWaitSeconds: 0,
    overflow: { kind: 'announcement', media: 'sound:goodbye' },
    numbers: [o.did],
  });
  const phones: string[] = [];
  for (let i = 1; i <= o.receptionists; i++) {
    const id = `b${i}`;
    phones.push(id);
    sim.setPhone(id, { kind: 'answer', afterMs: 5 });
    await store.directoryAdmin.upsertReceptionist({ id, name: id, endpoint: `PJSIP/${id}`, groupId: 'bench', wrapUpSeconds: 0, ringTimeoutSeconds: 15, maxMissedOffers: 99 });
  }
  await store.close();

  const httpPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), '--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      ASTERISK_ARI_URL: sim.url,
      ASTERISK_ARI_USER: 'asterisk',
      ASTERISK_ARI_PASSWORD: 'asterisk',
      DATABASE_URL: o.databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: o.redisUrl,
      REDIS_PREFIX: prefix,
      HTTP_PORT: String(httpPort),
      FASTAGI_PORT: '0',
      LOG_LEVEL: 'error',
      // The bench's own Switchboard, on loopback: its API calls carry no login.
      HTTP_HOST: '127.0.0.1',
      API_AUTH: 'open',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  const settle = async () => {
    for (let i = 0; i < 100; i++) {
      const before = sim.stats();
      await sleep(500);
      const after = sim.stats();
      if (JSON.stringify(before) === JSON.stringify(after)) return;
    }
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await sim.close();
    const pool = new pg.Pool({ connectionString: o.databaseUrl });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    const redis = new Redis(o.redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  };
  try {
    for (let i = 0; i < 200; i++) {
      const ok = await api('GET', '/health/ready').then((r) => r.status === 200, () => false);
      if (ok) break;
      await sleep(100);
    }
    for (const id of phones) await api('PUT', `/api/receptionists/${id}/presence`, { state: 'available' });
  } catch (err) {
    await close();
    throw err;
  }
  return { sim, child, httpPort, phones, api, settle, close };
}

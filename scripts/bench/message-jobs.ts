/**
 * Voicemail-to-message throughput: voicemails per second that become a message (recording
 * fetched over ARI, hashed, stored, analysed, saved with its delivery) and are delivered to a
 * loopback webhook (signed POST, marked sent). The worker runs as its own process, as in
 * production (`node --import tsx src/workers/main.ts`); the ARI recording server and the webhook
 * receiver run here. Calls are written in one INSERT, so the outbox trigger, the sweep and both
 * queues are all on the measured path.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { migrate } from '../../src/adapters/postgres';
import { silentWav } from '../../src/simulator/wav';

export interface MessageJobsBenchOptions {
  /** Voicemails in the measured batch (default 3000). */
  count?: number;
  /** Discarded warm-up batch (default 300). */
  warmup?: number;
  /** WORKER_CONCURRENCY of the worker process (default 64). */
  concurrency?: number;
  /** WORKER_PG_POOL_SIZE of the worker process (default 20). */
  pgPoolSize?: number;
  databaseUrl?: string;
  redisUrl?: string;
  log?: (msg: string) => void;
  /** Extra Node flags for the worker process, e.g. ['--cpu-prof'] (default: BENCH_NODE_FLAGS). */
  nodeFlags?: string[];
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


async function listen(server: Server): Promise<string> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

export async function measureMessageJobsPerSecond(opts: MessageJobsBenchOptions = {}): Promise<number> {
  const count = opts.count ?? 3000;
  const warmup = opts.warmup ?? 300;
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const log = opts.log ?? (() => undefined);
  const tag = randomBytes(4).toString('hex');
  const schema = `bench_msg_${tag}`;
  const prefix = `sbqbench-${tag}`;
  const mediaDir = mkdtempSync(path.join(tmpdir(), 'sb-bench-media-'));

  // 5 s of 8 kHz audio, one per recording name (the content is the same: one media file).
  const audio = silentWav(5000);
  const ari = createServer((req, res) => {
    const m = /^\/ari\/recordings\/stored\/([^/]+)(\/file)?$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    if (m[2]) res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': audio.length }).end(audio);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: m[1], format: 'wav' }));
  });
  const hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  const ariUrl = await listen(ari);
  const hookUrl = await listen(hook);

  await migrate({ databaseUrl, schema });
  const pool = new pg.Pool({ connectionString: databaseUrl, options: `-c search_path=${schema}`, max: 2 });
  await pool.query(`INSERT INTO clients (id, name, overflow) VALUES ('acme', 'Acme', '{"kind":"announcement","media":[]}')`);
  await pool.query(`INSERT INTO client_delivery_channels (client_id, kind, target, secret) VALUES ('acme', 'webhook', $1, 'whsec_bench_0123456789')`, [hookUrl + '/hook']);

  const nodeFlags = opts.nodeFlags ?? (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const worker = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/workers/main.ts'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      WORKER_QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: String(opts.concurrency ?? 64),
      WORKER_PG_POOL_SIZE: String(opts.pgPoolSize ?? 20),
      OUTBOX_POLL_MS: '20',
      ASTERISK_ARI_URL: ariUrl,
      MEDIA_DIR: mediaDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((r) => worker.once('exit', r));

  let batch = 0;
  const run = async (n: number): Promise<number> => {
    batch += 1;
    const before = (await pool.query("SELECT count(*)::int AS n FROM message_deliveries WHERE status = 'sent'")).rows[0].n as number;
    const started = performance.now();
    // Like the call server's log: a call row, then its voicemail recording (the trigger fills the outbox).
    await pool.query(
      `INSERT INTO calls (id, client_id, did, caller_name, caller_number, arrived_at, voicemail_recording)
       SELECT 'b${batch}-' || i, 'acme', '5035550100', 'Caller ' || i, '+1503555' || lpad(i::text, 4, '0'), now(), 'vm-b${batch}-' || i
       FROM generate_series(1, $1) AS i`,
      [n],
    );
    for (;;) {
      const sent = (await pool.query("SELECT count(*)::int AS n FROM message_deliveries WHERE status = 'sent'")).rows[0].n as number;
      if (sent - before >= n) break;
      const failed = (await pool.query("SELECT count(*)::int AS n FROM message_deliveries WHERE status = 'failed'")).rows[0].n as number;
      if (failed > 0) throw new Error(`${failed} deliveries failed during the benchmark`);
      if (worker.exitCode !== null) throw new Error('the worker process exited');
      await new Promise((r) => setTimeout(r, 20));
    }
    return n / ((performance.now() - started) / 1000);
  };

  try {
    if (warmup > 0) {
      log(`message jobs: warm-up, ${warmup} voicemails`);
      await run(warmup);
    }
    log(`message jobs: ${count} voicemails -> messages -> signed webhook`);
    const perSecond = await run(count);
    log(`message jobs: ${perSecond.toFixed(0)} voicemails/s`);
    return perSecond;
  } finally {
    worker.kill('SIGTERM');
    await exited;
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
    ari.closeAllConnections();
    hook.closeAllConnections();
    await Promise.all([new Promise((r) => ari.close(r)), new Promise((r) => hook.close(r))]);
    rmSync(mediaDir, { recursive: true, force: true });
  }
}

// Run alone: npx tsx scripts/bench/message-jobs.ts
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  measureMessageJobsPerSecond({ log: (m) => process.stderr.write(m + '\n') }).then(
    (n) => console.log(JSON.stringify({ message_jobs_per_s: Math.round(n) })),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Office } from '../e2e/support/office';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A Redis of the test's own, on its own port, that the test can stop and start again. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true)); // port taken: Redis is listening
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (up) return child;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('readiness', () => {
  let office: Office | undefined;
  let redis: ChildProcess | undefined;
  let redisPort = 0;

  afterEach(async () => {
    if (!redis || redis.exitCode !== null) redis = await startRedis(redisPort); // close() cleans keys through it
    await office?.close();
    await stopRedis(redis);
  });

  it('given Switchboard ready when its Redis stops then /health/ready says not ready, naming redis, and ready again once Redis is back', async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    office = await Office.open({ redisUrl: `redis://127.0.0.1:${redisPort}` });
    const ready = async () => office!.api('GET', '/health/ready');
    expect((await ready()).status).toBe(200);

    await stopRedis(redis);
    const down = await office.lab.waitFor('not ready', async () => {
      const r = await ready();
      return r.status === 503 ? r : null;
    });
    expect(down.body).toMatchObject({ status: 'not-ready', checks: { redis: false, postgres: true, asterisk: true } });
    expect((await office.api('GET', '/health/live')).status).toBe(200);

    redis = await startRedis(redisPort);
    const up = await office.lab.waitFor('ready again', async () => {
      const r = await ready();
      return r.status === 200 ? r : null;
    }, 15_000);
    expect(up.body).toMatchObject({ status: 'ready', checks: { redis: true } });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import pino from 'pino';
import { AriConnection, AriError, type AriEvent } from '../../src/adapters/ari/ari-connection';

/** A bare ARI-like server whose socket we can misbehave with. */
async function fakeAri(opts: { answerPings?: boolean; slowMs?: number } = {}) {
  const sockets: WebSocket[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    setTimeout(() => {
      res.writeHead(req.url?.startsWith('/ari/missing') ? 404 : 200, { 'content-type': 'application/json' });
      res.end(req.url?.startsWith('/ari/missing') ? '{"message":"Channel not found"}' : '{"ok":true}');
    }, opts.slowMs ?? 0);
  });
  const wss = new WebSocketServer({ server, autoPong: opts.answerPings ?? true });
  wss.on('connection', (ws) => {
    connections++;
    sockets.push(ws);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    sockets,
    connections: () => connections,
    close: async () => {
      for (const s of wss.clients) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const waitFor = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('ARI connection', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('given malformed, typeless and unknown frames then they are skipped and later events still arrive', async () => {
    const server = await fakeAri();
    const ari = new AriConnection({ url: server.url, user: 'u', password: 'p', app: 'switchboard', logger: pino({ level: 'silent' }) });
    cleanups.push(() => ari.stop(), server.close);
    const events: AriEvent[] = [];
    ari.on('event', (e) => events.push(e));
    ari.start();
    await waitFor(() => server.sockets.length === 1);
    for (const frame of ['{not json', '42', 'null', '{"no":"type"}', '{"type":"FutureEventNobodyKnows","x":1}', '{"type":"StasisStart","channel":{"id":"c1"}}']) {
      server.sockets[0].send(frame);
    }
    await waitFor(() => events.length === 2);
    expect(events.map((e) => e.type)).toEqual(['FutureEventNobodyKnows', 'StasisStart']);
  });

  it('given the socket drops when the server is still there then it reconnects within a second, and keeps trying while the server is gone', async () => {
    const server = await fakeAri();
    const ari = new AriConnection({ url: server.url, user: 'u', password: 'p', app: 'switchboard', logger: pino({ level: 'silent' }), reconnectInitialMs: 100, reconnectMaxMs: 400 });
    cleanups.push(() => ari.stop(), server.close);
    let connects = 0;
    ari.on('connected', () => connects++);
    ari.start();
    await waitFor(() => connects === 1);
    const dropAt = Date.now();
    server.sockets[0].terminate();
    await waitFor(() => connects === 2, 2000);
    expect(Date.now() - dropAt).toBeLessThan(1000);
  });

  it('given a server that stops answering pings then the heartbeat notices and reconnects', async () => {
    const server = await fakeAri({ answerPings: false });
    const ari = new AriConnection({ url: server.url, user: 'u', password: 'p', app: 'switchboard', logger: pino({ level: 'silent' }), heartbeatMs: 100, reconnectInitialMs: 50 });
    cleanups.push(() => ari.stop(), server.close);
    ari.start();
    await waitFor(() => server.connections() >= 2, 3000);
    expect(ari.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('given a slow ARI then the request times out with a clear error, and a 404 keeps its status', async () => {
    const server = await fakeAri({ slowMs: 300 });
    const ari = new AriConnection({ url: server.url, user: 'u', password: 'p', app: 'switchboard', logger: pino({ level: 'silent' }), requestTimeoutMs: 100 });
    cleanups.push(() => ari.stop(), server.close);
    const err: any = await ari.request("GET", "/channels").catch((e) => e);
    expect(err).toBeInstanceOf(AriError);
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/timed out/);
    const fast = new AriConnection({ url: server.url, user: 'u', password: 'p', app: 'switchboard', logger: pino({ level: 'silent' }), requestTimeoutMs: 2000 });
    const notFound: any = await fast.request("DELETE", "/missing/x").catch((e) => e);
    expect(notFound.status).toBe(404);
    expect(notFound.message).toMatch(/Channel not found/);
  });
});

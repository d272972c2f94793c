/**
 * Console update latency: N /api/live WebSockets connected to Switchboard (its own process, the
 * rig's), every receptionist paused so each new caller waits. For each caller, from placeCall on
 * the simulator (its StasisStart is sent in the same tick, on this process's clock) to the first
 * snapshot naming the caller's channel received by each socket. p99 over all sockets and callers.
 */
import WebSocket from 'ws';
import type { BenchRig } from './rig';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface ConsoleRun {
  sockets: number;
  callers: number;
  samples: number;
  missed: number;
  p50: number;
  p99: number;
  max: number;
}

export async function measureConsoleUpdates(rig: BenchRig, o: { did: string; sockets: number; callers: number; ratePerS: number; log: (m: string) => void }): Promise<ConsoleRun> {
  for (const id of rig.phones) await rig.api('PUT', `/api/receptionists/${id}/presence`, { state: 'paused', reason: 'bench' });
  const placedAt = new Map<string, number>();
  const samples: number[] = [];
  const seen: Array<Set<string>> = [];
  const sockets: WebSocket[] = [];
  for (let i = 0; i < o.sockets; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${rig.httpPort}/api/live`);
    const mine = new Set<string>();
    seen.push(mine);
    ws.on('message', (data) => {
      const now = performance.now();
      const text = String(data);
      if (!text.startsWith('{"type":"snapshot"')) return;
      // The newest callers are the ones not yet seen: a substring test, no parse, keeps the bench cheap.
      for (const [id, at] of placedAt) if (!mine.has(id) && text.includes(id)) {
        mine.add(id);
        samples.push(now - at);
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    sockets.push(ws);
  }
  o.log(`console: ${sockets.length} sockets connected`);
  await sleep(500);
  const gap = 1000 / o.ratePerS;
  const start = performance.now();
  for (let i = 0; i < o.callers; i++) {
    const due = start + i * gap;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const { channelId } = rig.sim.placeCall({ did: o.did, callerName: 'Console Caller', callerNumber: '5035556666' });
    placedAt.set(channelId, performance.now());
  }
  await sleep(2000);
  for (const ws of sockets) ws.terminate();
  const expected = o.sockets * o.callers;
  return {
    sockets: o.sockets,
    callers: o.callers,
    samples: samples.length,
    missed: expected - samples.length,
    p50: +percentile(samples, 50).toFixed(2),
    p99: +percentile(samples, 99).toFixed(2),
    max: +Math.max(...samples).toFixed(2),
  };
}

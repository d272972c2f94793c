/**
 * Feature-code latency: from the LAST digit of a receptionist's code arriving (the simulator
 * emitting its ChannelDtmfReceived) to the PBX request that carries the operation out reaching
 * the simulator, with N calls in progress. Both ends are timestamped in this process, on one clock
 * (process.hrtime), like the routing figure.
 *
 * The code is `*0` (hold / resume, a toggle): hold's first request is
 * `POST /ari/bridges/sb-call-<call>/removeChannel` (or `POST /ari/channels/<call>/moh` when the
 * caller is not bridged), resume's `DELETE /ari/channels/<call>/moh`; so the first ARI request
 * naming the caller's channel (or its call bridge) after the last digit is the one that carries the
 * code out. Codes are spread round-robin over the receptionists (shuffled) at a steady rate; each
 * receptionist alternates hold and resume, seconds apart.
 */
import type { BenchRig } from './rig';
import { cpuMs } from './rig';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface FeatureRun {
  ratePerS: number;
  sent: number;
  samples: { hold: number[]; resume: number[] };
  /** Measured codes with no request naming the call within a second and a half. */
  missed: number;
  /** The requests taken as carrying the codes out, by operation, method and path shape. */
  requests: Record<string, number>;
  cpu: { switchboard: number; simulatorAndBench: number };
}

export interface FeatureCodeBench {
  /** Calls connected (caller bridged with a receptionist) when the codes started. */
  connected: number;
  run: (o: { ratePerS: number; warmupCodes: number; codes: number }) => Promise<FeatureRun>;
  /** Calls whose final state (on hold or connected) is not what the codes sent should leave. */
  stateMismatches: () => number;
  close: () => void;
}

/** Connects `calls` callers to the rig's receptionists and gets ready to send codes. */
export async function prepareFeatureCodeBench(rig: BenchRig, o: { did: string; calls: number; log: (msg: string) => void }): Promise<FeatureCodeBench> {
  const { sim } = rig;
  const callers: string[] = [];
  for (let i = 0; i < o.calls; i++) {
    callers.push(sim.placeCall({ did: o.did, callerName: 'Feature Caller', callerNumber: '5035557777' }).channelId);
    await sleep(10); // 100 calls/s
  }
  const phoneOfCaller = new Map<string, string>();
  for (let i = 0; i < 300 && phoneOfCaller.size < callers.length; i++) {
    for (const id of callers) {
      const peer = sim.channel(id)?.peerPhone;
      if (peer && sim.phone(peer).activeChannelId) phoneOfCaller.set(id, peer);
    }
    if (phoneOfCaller.size < callers.length) await sleep(100);
  }
  await rig.settle();
  /** receptionist's leg -> caller; phone -> caller */
  const callerOfLeg = new Map<string, string>();
  const callerOfPhone = new Map<string, string>();
  for (const [caller, phone] of phoneOfCaller) {
    const leg = sim.phone(phone).activeChannelId;
    if (!leg || sim.channel(caller)?.peerPhone !== phone) continue;
    callerOfLeg.set(leg, caller);
    callerOfPhone.set(phone, caller);
  }
  o.log(`features: ${callerOfPhone.size} of ${o.calls} calls connected to a receptionist`);

  /** caller -> the code just keyed for it: which operation, measured or warm-up */
  const expecting = new Map<string, { op: 'hold' | 'resume'; measured: boolean }>();
  /** caller -> its code's last digit was emitted at (hrtime ns) */
  const pending = new Map<string, { op: 'hold' | 'resume'; measured: boolean; at: bigint }>();
  let samples = { hold: [] as number[], resume: [] as number[] };
  let requests: Record<string, number> = {};
  const offEvent = sim.onEvent((event: any) => {
    if (event.type !== 'ChannelDtmfReceived' || event.digit !== '0') return;
    const at = process.hrtime.bigint();
    const caller = callerOfLeg.get(event.channel?.id);
    const code = caller ? expecting.get(caller) : undefined;
    if (!caller || !code) return;
    expecting.delete(caller);
    pending.set(caller, { ...code, at });
  });
  const offRequest = sim.onRequest((method, path, atNs) => {
    if (!path.startsWith('/ari/')) return;
    const segment = decodeURIComponent(path.split('/')[3] ?? '');
    const caller = segment.startsWith('sb-call-') ? segment.slice('sb-call-'.length) : segment;
    const code = pending.get(caller);
    if (!code) return;
    pending.delete(caller);
    if (!code.measured) return;
    samples[code.op].push(Number(atNs - code.at) / 1e6);
    const shape = `${code.op}: ${method} ${path.split('/').map((x, i) => (i === 3 ? '{id}' : x)).join('/')}`;
    requests[shape] = (requests[shape] ?? 0) + 1;
  });

  const onHold = new Map<string, boolean>();
  const order = [...callerOfPhone.keys()];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let next = 0;

  const run = async ({ ratePerS, warmupCodes, codes }: { ratePerS: number; warmupCodes: number; codes: number }): Promise<FeatureRun> => {
    samples = { hold: [], resume: [] };
    requests = {};
    const total = warmupCodes + codes;
    let cpuBefore = { switchboard: 0, simulator: 0 };
    let measuredStart = 0;
    const start = Date.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * ratePerS));
      while (sent < due) {
        if (sent === warmupCodes) {
          cpuBefore = { switchboard: cpuMs(rig.child.pid!), simulator: cpuMs('self') };
          measuredStart = Date.now();
        }
        const phone = order[next++ % order.length];
        const caller = callerOfPhone.get(phone)!;
        const op = onHold.get(phone) ? 'resume' : 'hold';
        onHold.set(phone, op === 'hold');
        expecting.set(caller, { op, measured: sent >= warmupCodes });
        sim.phoneSendDtmf(phone, '*0');
        sent++;
      }
      await sleep(2);
    }
    await sleep(1500); // the last code's digits are 100 ms apart; then its request
    const elapsed = Date.now() - measuredStart;
    const cpu = {
      switchboard: +((cpuMs(rig.child.pid!) - cpuBefore.switchboard) / elapsed).toFixed(2),
      simulatorAndBench: +((cpuMs('self') - cpuBefore.simulator) / elapsed).toFixed(2),
    };
    const got = samples.hold.length + samples.resume.length;
    expecting.clear();
    pending.clear();
    return { ratePerS, sent: codes, samples, missed: codes - got, requests, cpu };
  };

  const stateMismatches = () => {
    let bad = 0;
    for (const [phone, caller] of callerOfPhone) {
      const c = sim.channel(caller);
      const held = onHold.get(phone) ?? false;
      const ok = held ? c?.alive && c.peerPhone === null && c.mohClass !== null : c?.alive && c.peerPhone === phone && c.mohClass === null;
      if (!ok) bad++;
    }
    return bad;
  };

  return {
    connected: callerOfPhone.size,
    run,
    stateMismatches,
    close: () => {
      offEvent();
      offRequest();
    },
  };
}

export function summarise(r: FeatureRun): { p50: number; p99: number; n: number; hold: { p50: number; p99: number; n: number }; resume: { p50: number; p99: number; n: number } } {
  const all = [...r.samples.hold, ...r.samples.resume];
  const f = (v: number[]) => ({ p50: +percentile(v, 50).toFixed(3), p99: +percentile(v, 99).toFixed(3), n: v.length });
  return { ...f(all), hold: f(r.samples.hold), resume: f(r.samples.resume) };
}

/**
 * npm run bench [-- --json] [-- --quick] [-- --only calls,features,console,erlang,analytics,messages]
 * console: 300 /api/live WebSockets, a new waiting caller -> the snapshot naming it on each socket.
 *
 * Sections (all by default; `--only` or BENCH_SECTIONS=analytics,messages picks some):
 * calls (routing, dispatch, memory against the simulator), features (receptionist feature code:
 * last digit in -> the PBX request that carries it out, 300 calls in progress; BENCH_FEATURE_RATE
 * codes/s, 100 by default), erlang (ASA against Erlang C),
 * analytics (roll-up of 1,000,000 calls; BENCH_ANALYTICS_CALLS to change, 100,000 with --quick),
 * messages (voicemail -> message -> signed loopback webhook jobs per second).
 *
 * Measures Switchboard against the simulator in one run: Switchboard runs as its own process
 * (as in production); the simulator runs here and timestamps, on one clock, the moment it emits
 * an event and the moment an originate request reaches it.
 */
import { readFileSync } from 'node:fs';
import type { AsteriskSimulator } from '../src/simulator';
import { cpuMs, startBenchRig } from './bench/rig';
import { prepareFeatureCodeBench, summarise } from './bench/features';
import { measureAsaAgainstErlangC } from './bench/erlang-c';
import { measureAnalyticsRollup } from './bench/analytics';
import { measureMessageJobsPerSecond } from './bench/message-jobs';
import { measureConsoleUpdates } from './bench/console';

const args = new Set(process.argv.slice(2));
const asJson = args.has('--json');
const quick = args.has('--quick');
const SECTIONS = ['calls', 'features', 'console', 'erlang', 'analytics', 'messages'] as const;
const onlyArg = process.argv.slice(2).find((a, i, all) => a.startsWith('--only=') || all[i - 1] === '--only');
const onlyText = onlyArg?.replace(/^--only=/, '') ?? process.env.BENCH_SECTIONS ?? '';
const only = new Set(onlyText.split(',').map((x) => x.trim()).filter(Boolean));
for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown bench section ${name}; sections: ${SECTIONS.join(', ')}`);
const want = (section: (typeof SECTIONS)[number]) => only.size === 0 || only.has(section);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RECEPTIONISTS = 300;
const DID = '5035550100';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (msg: string) => {
  if (!asJson) process.stderr.write(msg + '\n');
};

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

interface Probe {
  /** inbound channel id -> hrtime (ns) its StasisStart was sent */
  stasisStartAt: Map<string, bigint>;
  /** call id -> hrtime (ns) of the first originate for it */
  originateAt: Map<string, bigint>;
  /** endpoint -> hrtime (ns) of the latest originate to it */
  originateToEndpointAt: Map<string, bigint>;
}

function attachProbe(sim: AsteriskSimulator): Probe {
  const probe: Probe = { stasisStartAt: new Map(), originateAt: new Map(), originateToEndpointAt: new Map() };
  sim.onEvent((event: any) => {
    if (event.type === 'StasisStart' && event.args?.[0] === 'inbound') probe.stasisStartAt.set(event.channel.id, process.hrtime.bigint());
  });
  sim.onOriginate((req: { channelId: string; endpoint: string; appArgs?: string }, atNs: bigint) => {
    const callId = (req.appArgs ?? '').split(',')[1];
    if (callId && !probe.originateAt.has(callId)) probe.originateAt.set(callId, atNs);
    probe.originateToEndpointAt.set(req.endpoint, atNs);
  });
  return probe;
}

async function callPathBench(results: Record<string, unknown>): Promise<void> {
  let probe!: Probe;
  const rig = await startBenchRig({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, did: DID, receptionists: RECEPTIONISTS, onSimulator: (s) => (probe = attachProbe(s)) });
  const { sim, child, httpPort, phones, api, settle } = rig;
  /** Switchboard's own routing-latency histogram (arrival trigger): cumulative count per bucket. */
  const routingBuckets = async (): Promise<Map<number, number>> => {
    const page = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const buckets = new Map<number, number>();
    for (const m of page.matchAll(/^switchboard_routing_latency_seconds_bucket\{le="([^"]+)",trigger="arrival"\} (\d+)/gm)) {
      buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000, Number(m[2]));
    }
    return buckets;
  };
  /** The upper bound (ms) of the bucket holding the 99th percentile of what happened between two scrapes. */
  const bucketP99 = (before: Map<number, number>, after: Map<number, number>): number | null => {
    const bounds = [...after.keys()].sort((a, b) => a - b);
    const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
    if (total === 0) return null;
    for (const le of bounds) if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= 0.99 * total) return le;
    return null;
  };
  try {
    say(`Switchboard pid ${child.pid} ready; ${RECEPTIONISTS} receptionists logged in`);
    results.rss_mb_idle = +rssMb(child.pid!).toFixed(1);

    // --- routing: a caller arrives and a receptionist is free --------------------------------
    const routeAtRate = async (rate: number, seconds: number, talkMs: number) => {
      const ids: string[] = [];
      const start = Date.now();
      let placed = 0;
      while (Date.now() - start < seconds * 1000) {
        const due = Math.floor(((Date.now() - start) / 1000) * rate);
        while (placed < due) {
          const { channelId } = sim.placeCall({ did: DID, callerName: 'Bench Caller', callerNumber: '5035551234' });
          ids.push(channelId);
          placed++;
          setTimeout(() => {
            if (sim.channel(channelId)?.alive) sim.hangupCaller(channelId);
          }, talkMs).unref();
        }
        await sleep(2);
      }
      await sleep(talkMs + 500);
      const latencies = ids
        .map((id) => {
          const t0 = probe.stasisStartAt.get(id);
          const t1 = probe.originateAt.get(id);
          return t0 && t1 ? Number(t1 - t0) / 1e6 : NaN;
        })
        .filter((v) => Number.isFinite(v));
      return { latencies, placed: ids.length };
    };

    // Warm-up, discarded: the first seconds of a fresh process measure V8's compiler and the
    // opening of ARI keep-alive sockets, not the steady state a call server runs in.
    await routeAtRate(200, quick ? 2 : 4, 400);
    const bucketsBefore = await routingBuckets();
    const cpuBefore = { switchboard: cpuMs(child.pid!), simulator: cpuMs('self') };
    const routing = await routeAtRate(200, quick ? 3 : 10, 400);
    results.cpu_share_at_200_calls_per_s = {
      switchboard: +((cpuMs(child.pid!) - cpuBefore.switchboard) / ((quick ? 3 : 10) * 1000 + 900)).toFixed(2),
      simulator_and_bench: +((cpuMs('self') - cpuBefore.simulator) / ((quick ? 3 : 10) * 1000 + 900)).toFixed(2),
    };
    if (process.env.BENCH_VERBOSE) say(JSON.stringify((globalThis as any).__cnt) + ' placed ' + routing.placed);
    results.routing_in_process_p99_ms_at_most = bucketP99(bucketsBefore, await routingBuckets());
    say(`routing inside Switchboard (ARI event in -> originate out), p99 <= ${results.routing_in_process_p99_ms_at_most} ms (histogram bucket)`);
    say(`CPU share during routing (1.0 = one core): ${JSON.stringify(results.cpu_share_at_200_calls_per_s)}`);
    if (process.env.BENCH_VERBOSE) say(`routing samples over 5 ms at index: ${routing.latencies.flatMap((v, i) => (v > 5 ? [`${i}:${v.toFixed(1)}`] : [])).join(' ')}`);
    results.routing_p50_ms = +percentile(routing.latencies, 50).toFixed(3);
    results.routing_p99_ms = +percentile(routing.latencies, 99).toFixed(3);
    results.routing_samples = routing.latencies.length;
    say(`routing at 200 calls/s: p50 ${results.routing_p50_ms} ms, p99 ${results.routing_p99_ms} ms (${routing.latencies.length} calls)`);

    let sustained = 0;
    const rates: Record<string, number> = {};
    for (const rate of quick ? [200, 400] : [100, 200, 300, 400, 600, 800]) {
      const r = await routeAtRate(rate, quick ? 2 : 5, 250);
      const p99 = percentile(r.latencies, 99);
      rates[String(rate)] = +p99.toFixed(3);
      say(`  ${rate} calls/s: routing p99 ${p99.toFixed(3)} ms (${r.latencies.length} routed of ${r.placed})`);
      if (p99 <= 5 && r.latencies.length >= r.placed * 0.99) sustained = rate;
      else break;
    }
    results.calls_per_s = sustained;
    results.routing_p99_ms_by_rate = rates;

    // --- dispatch: 1,000 callers wait, 300 receptionists busy; one frees up ------------------
    for (let i = 0; i < RECEPTIONISTS + 1000; i++) {
      sim.placeCall({ did: DID, callerName: 'Waiting Caller', callerNumber: '5035559999' });
      if (i % 50 === 0) await sleep(5);
    }
    for (let i = 0; i < 300; i++) {
      const q = await api('GET', '/api/queue');
      if (q.body?.waiting?.length >= 1000) break;
      await sleep(100);
    }
    await settle();
    const waitingNow = (await api('GET', '/api/queue')).body?.waiting?.length;
    say(`dispatch stage: ${waitingNow} callers waiting, ${RECEPTIONISTS} receptionists on calls`);
    const dispatch: number[] = [];
    for (let i = 0; i < (quick ? 50 : 300); i++) {
      const phone = phones[i % phones.length];
      const endpoint = `PJSIP/${phone}`;
      const before = probe.originateToEndpointAt.get(endpoint);
      const t0 = process.hrtime.bigint();
      sim.phoneHangup(phone);
      for (let k = 0; k < 200; k++) {
        const t1 = probe.originateToEndpointAt.get(endpoint);
        if (t1 && t1 !== before && t1 > t0) {
          dispatch.push(Number(t1 - t0) / 1e6);
          break;
        }
        await sleep(1);
      }
      await sleep(10);
    }
    results.dispatch_p50_ms = +percentile(dispatch, 50).toFixed(3);
    results.dispatch_p99_ms = +percentile(dispatch, 99).toFixed(3);
    if (process.env.BENCH_VERBOSE) say(`dispatch samples: ${dispatch.map((v) => v.toFixed(1)).join(' ')}`);
    say(`dispatch with ${waitingNow} waiting: p50 ${results.dispatch_p50_ms} ms, p99 ${results.dispatch_p99_ms} ms (${dispatch.length} samples)`);

    // --- memory: 10,000 concurrent calls ------------------------------------------------------
    for (const id of phones) sim.phoneHangup(id);
    for (const ch of sim.channels()) if (ch.alive) sim.hangupCaller(ch.id);
    await sleep(1000);
    for (const id of phones) await api('PUT', `/api/receptionists/${id}/presence`, { state: 'paused', reason: 'bench' });
    const target = quick ? 2000 : 10_000;
    for (let i = 0; i < target; i++) {
      sim.placeCall({ did: DID, callerName: 'Memory Caller', callerNumber: '5035558888' });
      if (i % 100 === 0) await sleep(20);
    }
    for (let i = 0; i < 600; i++) {
      const q = await api('GET', '/api/queue');
      if (q.body?.waiting?.length >= target) break;
      await sleep(200);
    }
    await sleep(1000);
    const rss = rssMb(child.pid!);
    results[quick ? 'rss_mb_2k' : 'rss_mb_10k'] = +rss.toFixed(1);
    say(`resident memory with ${target} concurrent calls: ${rss.toFixed(1)} MiB`);
  } finally {
    await rig.close();
  }

}

/** Receptionist feature codes: `*0` (hold, then resume) keyed on phones with 300 calls in progress. */
async function featureCodeBench(results: Record<string, unknown>): Promise<void> {
  const rig = await startBenchRig({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, did: DID, receptionists: RECEPTIONISTS });
  try {
    say(`features: Switchboard pid ${rig.child.pid} ready; ${RECEPTIONISTS} receptionists logged in`);
    const bench = await prepareFeatureCodeBench(rig, { did: DID, calls: RECEPTIONISTS, log: say });
    results.feature_calls_in_progress = bench.connected;
    const rate = Number(process.env.BENCH_FEATURE_RATE ?? 100);
    // Warm-up, discarded: two codes per receptionist (one hold, one resume) on a fresh process.
    const main = await bench.run({ ratePerS: rate, warmupCodes: 2 * bench.connected, codes: quick ? 600 : 2000 });
    const s = summarise(main);
    results.feature_p50_ms = s.p50;
    results.feature_p99_ms = s.p99;
    results.feature_samples = s.n;
    results.feature_missed = main.missed;
    results.feature_codes_per_s = rate;
    results.feature_detail = { hold: s.hold, resume: s.resume, requests: main.requests };
    results.cpu_share_at_feature_rate = { switchboard: main.cpu.switchboard, simulator_and_bench: main.cpu.simulatorAndBench };
    say(`features at ${rate} codes/s, ${bench.connected} calls in progress: p50 ${s.p50} ms, p99 ${s.p99} ms (${s.n} codes, ${main.missed} without a request; hold p99 ${s.hold.p99}, resume p99 ${s.resume.p99})`);
    say(`CPU share during codes (1.0 = one core): ${JSON.stringify(results.cpu_share_at_feature_rate)}`);
    if (process.env.BENCH_VERBOSE) say(`feature samples over 5 ms: ${[...main.samples.hold, ...main.samples.resume].filter((v) => v > 5).map((v) => v.toFixed(1)).join(' ')}`);
    const byRate: Record<string, number> = { [String(rate)]: s.p99 };
    if (!quick) {
      for (const other of [50, 200].filter((r) => r !== rate)) {
        const r = summarise(await bench.run({ ratePerS: other, warmupCodes: 0, codes: other * 10 }));
        byRate[String(other)] = r.p99;
        say(`  ${other} codes/s: feature p99 ${r.p99} ms (${r.n} codes)`);
      }
    }
    results.feature_p99_ms_by_rate = byRate;
    await rig.settle();
    results.feature_state_mismatches = bench.stateMismatches();
    if (results.feature_state_mismatches) say(`features: ${results.feature_state_mismatches} calls not in the state their codes should leave them in`);
    bench.close();
  } finally {
    await rig.close();
  }
}

/** Console updates: 300 /api/live sockets, callers joining the queue (nobody available). */
async function consoleBench(results: Record<string, unknown>): Promise<void> {
  const rig = await startBenchRig({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, did: DID, receptionists: 10 });
  try {
    const sockets = Number(process.env.BENCH_CONSOLE_SOCKETS ?? 300);
    const r = await measureConsoleUpdates(rig, { did: DID, sockets, callers: quick ? 50 : 200, ratePerS: 20, log: say });
    results.console_update_p50_ms = r.p50;
    results.console_update_p99_ms = r.p99;
    results.console_detail = r;
    say(`console: ${r.sockets} sockets x ${r.callers} callers: p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms (${r.missed} missed)`);
  } finally {
    await rig.close();
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};
  if (want('calls')) await callPathBench(results);
  if (want('features')) await featureCodeBench(results);
  if (want('console')) await consoleBench(results);

  // --- the queue against Erlang C: a simulated day through the real Switchboard class -------
  if (want('erlang')) {
    const asa = await measureAsaAgainstErlangC({ occupancies: [0.7, 0.85, 0.95] });
    results.asa_ratio_erlang_c = Object.fromEntries(Object.entries(asa).map(([k, v]) => [k, +v.ratio.toFixed(3)]));
    results.asa_detail = asa;
  }

  // --- analytics: a full recompute of synthetic history (generating it is not timed) ---------
  if (want('analytics')) {
    const calls = Number(process.env.BENCH_ANALYTICS_CALLS ?? (quick ? 100_000 : 1_000_000));
    say(`analytics: generating ${calls} calls of history, then rolling them up`);
    const seconds = await measureAnalyticsRollup({ databaseUrl: DATABASE_URL, calls });
    results[calls === 1_000_000 ? 'analytics_1m_s' : 'analytics_rollup_s'] = +seconds.toFixed(2);
    results.analytics_rollup_calls = calls;
    say(`analytics: ${calls} calls rolled up in ${seconds.toFixed(1)} s`);
  }

  // --- messages: voicemail -> message -> signed loopback webhook, through the worker process --
  if (want('messages')) {
    const perSecond = await measureMessageJobsPerSecond({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, count: quick ? 1000 : 3000, log: say });
    results.message_jobs_per_s = Math.round(perSecond);
  }

  if (asJson) {
    process.stdout.write(JSON.stringify(results) + '\n');
  } else {
    const all: Array<[string, unknown, string]> = [
      ['routing_p50_ms', results.routing_p50_ms, ''],
      ['routing_p99_ms', results.routing_p99_ms, '<= 5'],
      ['dispatch_p99_ms', results.dispatch_p99_ms, '<= 5'],
      ['calls_per_s', results.calls_per_s, '>= 200'],
      ['feature_p50_ms', results.feature_p50_ms, ''],
      ['feature_p99_ms', results.feature_p99_ms, '<= 5'],
      ['console_update_p99_ms', results.console_update_p99_ms, '<= 50'],
      ...Object.entries((results.asa_ratio_erlang_c ?? {}) as Record<string, number>).map(([k, v]) => [`asa_ratio_erlang_c[${k}]`, v, '1.00 +/- 0.05'] as [string, unknown, string]),
      [quick ? 'rss_mb_2k' : 'rss_mb_10k', results[quick ? 'rss_mb_2k' : 'rss_mb_10k'], '< 1024'],
      ['analytics_1m_s', results.analytics_1m_s, '< 30'],
      ['analytics_rollup_s', results.analytics_rollup_s, `(${results.analytics_rollup_calls} calls)`],
      ['message_jobs_per_s', results.message_jobs_per_s, '>= 500'],
    ];
    const rows = all.filter(([, v]) => v !== undefined).map(([k, v, t]) => [k, String(v), t] as [string, string, string]);
    console.log('metric                          value        target');
    for (const [k, v, t] of rows) console.log(`${k.padEnd(32)}${v.padEnd(13)}${t}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

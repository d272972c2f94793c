import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAsteriskSimulator, type AsteriskSimulator } from '../../src/simulator';
import { runScenario, type ScenarioName } from './support/scenarios';

const TRACES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/asterisk/traces');
const haveTraces = existsSync(TRACES);

/** Which party an event is about: caller, rx1, rx2, or the bridge. */
function roleOf(e: any): string {
  const name: string = e.channel?.name ?? e.peer?.name ?? '';
  if (name.startsWith('PJSIP/trunk')) return 'caller';
  const m = /^PJSIP\/(rx\d)/.exec(name);
  if (m) return m[1];
  return e.bridge ? 'bridge' : 'app';
}

/**
 * Each party's events in order. Asterisk reports a ringing leg's Dial and ChannelStateChange in
 * either order (s0 and s1 differ), so runs of those two are compared as sets.
 */
function perRole(events: any[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    if (e.type === 'ChannelVarset') continue;
    const detail = e.type === 'Dial' ? `Dial(${e.dialstatus})` : e.type === 'ChannelStateChange' ? `State(${e.channel.state})` : e.type === 'ChannelDestroyed' ? `ChannelDestroyed(${e.cause})` : e.type;
    (out[roleOf(e)] ??= []).push(detail);
  }
  for (const role of Object.keys(out)) {
    const seq = out[role];
    const canon: string[] = [];
    let run: string[] = [];
    const flush = () => {
      canon.push(...run.sort());
      run = [];
    };
    for (const x of seq) {
      if (x.startsWith('Dial(') || x.startsWith('State(')) run.push(x);
      else {
        flush();
        canon.push(x);
      }
    }
    flush();
    out[role] = canon;
  }
  return out;
}

const scenarios: ScenarioName[] = ['s0-basic', 's1-caller-hangup', 's2-noanswer-rx2', 's2b-busy-rx2', 's3-dtmf', 's3b-dtmf-events-bridge', 's3c-dtmf-unbridged', 's4-ws-reconnect'];

describe.skipIf(!haveTraces)('simulator against the recorded Asterisk 22 traces', () => {
  let sim: AsteriskSimulator;
  beforeEach(async () => {
    sim = await startAsteriskSimulator({ bridgeDestroyDelayMs: 20 });
  });
  afterEach(async () => {
    await sim.close();
  });

  it.each(scenarios)('given scenario %s when replayed then each party sees the same events in the same order as on real Asterisk', async (name) => {
    const recorded = readFileSync(path.join(TRACES, `${name}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const simulated = await runScenario(sim, name);
    expect(perRole(simulated)).toEqual(perRole(recorded));
  });
});

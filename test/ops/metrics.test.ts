import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Office } from '../e2e/support/office';

const DID = '5035550100';

/**
 * Parses Prometheus text exposition strictly: every line is a comment or `name{labels} value`.
 * Values as Prometheus reads them (Go's ParseFloat: NaN and Inf in any case).
 */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?(?:[0-9.]+(?:e[+-]?[0-9]+)?|[Nn][Aa][Nn]|[+-][Ii]nf))( [0-9]+)?$/;
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const m = sample.exec(line);
    if (!m) throw new Error(`not Prometheus exposition: ${JSON.stringify(line)}`);
    samples.set(m[1] + (m[2] ?? ''), Number(m[3]));
  }
  return samples;
}

describe('metrics', () => {
  let office: Office;

  beforeEach(async () => {
    office = await Office.open();
    await office.seed({
      clients: [{ id: 'acme', name: 'Acme Plumbing', numbers: [DID] }],
      receptionists: [{ id: 'rx1', wrapUpSeconds: 0 }, { id: 'rx2', wrapUpSeconds: 0 }],
    });
  });

  afterEach(async () => {
    await office.close();
  });

  const scrape = async () => {
    const res = await fetch(`${office.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  it('given calls flowing then /metrics parses as Prometheus exposition and its counters, histograms and gauges move', async () => {
    const { lab } = office;
    await lab.setPhone('rx1', { kind: 'answer', afterMs: 50 });
    await office.loginInOrder('rx1');
    const before = await scrape();
    expect(before.get('switchboard_pbx_connected{peer="ari"}')).toBe(1);
    expect(before.get('switchboard_receptionists{state="available"}')).toBe(1);
    expect(before.get('switchboard_receptionists{state="logged-out"}')).toBe(1);
    expect(before.get('switchboard_callers_waiting')).toBe(0);
    // The workers' queues, read from Redis at scrape time: depth and failures for each.
    for (const queue of ['voicemail', 'delivery', 'analytics']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(before.get(`switchboard_job_queue_jobs{queue="${queue}",state="${state}"}`)).toBeGreaterThanOrEqual(0);
    }

    const call = await lab.placeCall({ did: DID, callerName: 'Pat', callerNumber: '5035551234' });
    await lab.waitFor('connected', async () => (await call.view()).connectedTo === 'rx1');
    const during = await scrape();
    expect(during.get('switchboard_receptionists{state="on-call"}')).toBe(1);
    expect(during.get('switchboard_calls_arrived_total{known="yes"}')).toBe(1);
    expect(during.get('switchboard_offers_total{outcome="answered"}')).toBe(1);
    expect(during.get('switchboard_speed_of_answer_seconds_count')).toBe(1);
    expect(during.get('switchboard_routing_latency_seconds_count{trigger="arrival"}')).toBe(1);

    // With rx1 busy, a second caller waits: the waiting gauges see them.
    const waiting = await lab.placeCall({ did: DID, callerName: 'Sam', callerNumber: '5035551235' });
    await lab.waitFor('second caller waiting', async () => (await scrape()).get('switchboard_callers_waiting') === 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await scrape()).get('switchboard_longest_wait_seconds')).toBeGreaterThanOrEqual(1);

    await lab.phoneHangup('rx1');
    await lab.waitFor('second caller offered to rx1', async () => (await waiting.view()).connectedTo === 'rx1');
    await lab.phoneHangup('rx1');
    await lab.waitFor('both ended', async () => (await scrape()).get('switchboard_calls_ended_total{outcome="completed"}') === 2);
    const after = await scrape();
    expect(after.get('switchboard_routing_latency_seconds_count{trigger="dispatch"}')).toBe(1);
    expect(after.get('switchboard_speed_of_answer_seconds_count')).toBe(2);
    expect(after.get('switchboard_callers_waiting')).toBe(0);
    expect(after.get('switchboard_http_request_duration_seconds_count{method="PUT",route="/api/receptionists/:id/presence",status="200"}')).toBe(1);
  });

  it('given the Grafana dashboard in docker/ then every metric its queries read is one Switchboard exports', async () => {
    const dashboard = JSON.parse(readFileSync('docker/grafana/switchboard-dashboard.json', 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const page = await (await fetch(`${office.baseUrl}/metrics`)).text();
    parseExposition(page);
    // Metric families as declared (# TYPE), including labelled ones with no sample yet.
    const exported = new Set([...page.matchAll(/^# TYPE ([a-z0-9_]+) /gm)].map((m) => m[1]));
    const read = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/switchboard_[a-z0-9_]+/g) ?? []));
    expect(read.length).toBeGreaterThan(10);
    const missing = read.map((m) => m.replace(/_(bucket|sum|count)$/, '')).filter((m) => !exported.has(m));
    expect(missing).toEqual([]);
  });
});


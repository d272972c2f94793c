import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TimelineEntry } from '../../domain/messages';
import type { CallMetrics, RoutingTrigger } from '../../ports/metrics';

/** What the gauges read at scrape time (never stored twice). */
export interface MetricsSources {
  waitingSince(): number[];
  receptionistStates(): string[];
  connections(): Array<{ peer: string; connected: boolean; reconnects: number }>;
  /**
   * The worker job queues' counts by state (BullMQ, read from Redis at scrape time); absent when
   * this process has no view of them. A rejection leaves the gauge out of that scrape.
   */
  jobQueues?(): Promise<Array<{ queue: string; counts: Record<string, number> }>>;
}

const PRESENCES = ['logged-out', 'available', 'ringing', 'on-call', 'wrap-up', 'paused'];

/**
 * The Prometheus metrics of one Switchboard process (prom-client). Counters and histograms move
 * with the call path; gauges are computed from the live state when scraped.
 */
export class PrometheusMetrics implements CallMetrics {
  readonly registry = new Registry();
  private readonly callsArrived: Counter<'known'>;
  private readonly callsEnded: Counter<'outcome'>;
  private readonly offers: Counter<'outcome'>;
  private readonly overflows: Counter<'treatment' | 'reason'>;
  private readonly speedOfAnswer: Histogram;
  private readonly routing: Histogram<'trigger'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(sources: MetricsSources, opts: { now?: () => number; defaultMetrics?: boolean } = {}) {
    const now = opts.now ?? Date.now;
    const registers = [this.registry];
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
    this.callsArrived = new Counter({ name: 'switchboard_calls_arrived_total', help: 'Calls that entered the Stasis app, by whether a client owns the number', labelNames: ['known'], registers });
    this.callsEnded = new Counter({ name: 'switchboard_calls_ended_total', help: 'Calls ended, by outcome', labelNames: ['outcome'], registers });
    this.offers = new Counter({ name: 'switchboard_offers_total', help: 'Offers to receptionists, by outcome', labelNames: ['outcome'], registers });
    this.overflows = new Counter({ name: 'switchboard_overflows_total', help: 'Callers sent to voicemail or a closing announcement', labelNames: ['treatment', 'reason'], registers });
    this.speedOfAnswer = new Histogram({
      name: 'switchboard_speed_of_answer_seconds',
      help: 'From arrival to a receptionist answering',
      buckets: [1, 2, 4, 6, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300],
      registers,
    });
    this.routing = new Histogram({
      name: 'switchboard_routing_latency_seconds',
      help: 'From the ARI event that freed a receptionist or brought a caller to the originate being sent',
      labelNames: ['trigger'],
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'HTTP API requests, by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    });
    new Gauge({
      name: 'switchboard_callers_waiting',
      help: 'Callers waiting for a receptionist',
      registers,
      collect() {
        this.set(sources.waitingSince().length);
      },
    });
    new Gauge({
      name: 'switchboard_longest_wait_seconds',
      help: 'How long the caller who has waited longest has been waiting',
      registers,
      collect() {
        const since = sources.waitingSince();
        this.set(since.length ? Math.max(0, (now() - Math.min(...since)) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'switchboard_receptionists',
      help: 'Receptionists by state',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = new Map(PRESENCES.map((p) => [p, 0]));
        for (const s of sources.receptionistStates()) counts.set(s, (counts.get(s) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'switchboard_pbx_connected',
      help: '1 while the connection to Asterisk (ari, ami) is up',
      labelNames: ['peer'],
      registers,
      collect() {
        for (const c of sources.connections()) this.set({ peer: c.peer }, c.connected ? 1 : 0);
      },
    });
    const jobQueues = sources.jobQueues?.bind(sources);
    if (jobQueues) {
      new Gauge({
        name: 'switchboard_job_queue_jobs',
        help: 'Worker jobs by queue and state (waiting, active, delayed, prioritized, failed, completed)',
        labelNames: ['queue', 'state'],
        registers,
        async collect() {
          this.reset();
          // Bounded: a scrape must not hang on an unreachable Redis.
          const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000).unref());
          const rows = await Promise.race([jobQueues().catch(() => null), timeout]);
          for (const row of rows ?? []) for (const [state, n] of Object.entries(row.counts)) this.set({ queue: row.queue, state }, n);
        },
      });
    }
    new Gauge({
      name: 'switchboard_pbx_reconnects',
      help: 'Reconnections to Asterisk since start (ari, ami)',
      labelNames: ['peer'],
      registers,
      collect() {
        for (const c of sources.connections()) this.set({ peer: c.peer }, c.reconnects);
      },
    });
  }

  timeline(entry: TimelineEntry): void {
    switch (entry.kind) {
      case 'arrived':
        this.callsArrived.inc({ known: entry.knownNumber ? 'yes' : 'no' });
        return;
      case 'offer-ended':
        this.offers.inc({ outcome: entry.outcome });
        return;
      case 'answered':
        this.speedOfAnswer.observe(entry.waitMs / 1000);
        return;
      case 'overflowed':
        this.overflows.inc({ treatment: entry.treatment, reason: entry.reason });
        return;
      case 'ended':
        this.callsEnded.inc({ outcome: entry.outcome });
        return;
      default:
        return;
    }
  }

  routed(trigger: RoutingTrigger, latencyMs: number): void {
    this.routing.observe({ trigger }, latencyMs / 1000);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

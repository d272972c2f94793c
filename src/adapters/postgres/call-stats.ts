import type pg from 'pg';
import type { CallOutcome } from '../../domain/messages';
import type { ArrivedCall, CallStats } from '../../ports/call-stats';

/**
 * `calls` rows by arrival (index `calls_arrived`). An answered call's wait is its first
 * `answered` entry's, as analytics reads it: `calls.answered_at` and `wait_ms` follow the last
 * answer (a caller back from a failed transfer or from park is answered again), and `wait_ms` is
 * only set at the end. One index lookup (`call_events_at`) per answered call.
 */
const SQL = `
SELECT c.answered_at, c.outcome,
       CASE WHEN c.answered_at IS NULL THEN c.wait_ms::float8
            ELSE (SELECT (e.data->>'waitMs')::float8 FROM call_events e
                  WHERE e.call_id = c.id AND e.kind = 'answered' ORDER BY e.at, e.seq LIMIT 1)
       END AS wait_ms
FROM calls c
WHERE c.arrived_at >= $1 AND c.arrived_at < $2`;

export class PostgresCallStats implements CallStats {
  constructor(private readonly pool: pg.Pool) {}

  async callsArrivedIn(range: { from: number; to: number }): Promise<ArrivedCall[]> {
    const { rows } = await this.pool.query<{ answered_at: Date | null; outcome: string | null; wait_ms: number | null }>(SQL, [
      new Date(range.from).toISOString(),
      new Date(range.to).toISOString(),
    ]);
    return rows.map((r) => ({ answeredAt: r.answered_at ? r.answered_at.getTime() : null, waitMs: r.wait_ms, outcome: r.outcome as CallOutcome | null }));
  }
}

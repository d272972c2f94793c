import type pg from 'pg';
import type { CallerHistory, PreviousCalls } from '../../ports/caller-history';

/** Earlier calls of a number to a client, from the call log's `calls` table. */
export class PostgresCallerHistory implements CallerHistory {
  constructor(private readonly pool: pg.Pool) {}

  async previousCalls(clientId: string, callerNumber: string, beforeMs: number): Promise<PreviousCalls> {
    if (!callerNumber) return { count: 0, last: null };
    const { rows } = await this.pool.query<{ count: string; last_at: Date | null; last_outcome: string | null }>(
      `SELECT count(*) AS count,
              max(arrived_at) AS last_at,
              (array_agg(outcome ORDER BY arrived_at DESC))[1] AS last_outcome
         FROM calls
        WHERE client_id = $1 AND caller_number = $2 AND arrived_at < $3`,
      [clientId, callerNumber, new Date(beforeMs)],
    );
    const r = rows[0];
    const count = Number(r?.count ?? 0);
    return { count, last: count > 0 && r?.last_at ? { at: r.last_at.getTime(), outcome: r.last_outcome } : null };
  }
}

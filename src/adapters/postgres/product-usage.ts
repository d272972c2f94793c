import type pg from 'pg';
import type { UsageWindows } from '../../domain/product-usage';
import type { ProductUsageStore, UsageReport, UsageSummary } from '../../ports/product-usage';

/** Product usage per UTC day in PostgreSQL (migrations/1764510000000_announcements-and-usage.sql). */
export class PostgresProductUsageStore implements ProductUsageStore {
  constructor(private readonly pool: pg.Pool) {}

  async record(r: UsageReport): Promise<void> {
    // One round trip: the user marked active that day, the action counted.
    await this.pool.query(
      `WITH active AS (
         INSERT INTO usage_daily_users (day, app, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
       )
       INSERT INTO usage_action_counts (day, app, action, count) VALUES ($1, $2, $4, 1)
       ON CONFLICT (day, app, action) DO UPDATE SET count = usage_action_counts.count + 1`,
      [r.day, r.app, r.userId, r.action],
    );
  }

  async summary(w: UsageWindows): Promise<UsageSummary> {
    const [apps, daily, actions] = await Promise.all([
      this.pool.query(
        `SELECT app,
                count(DISTINCT user_id) FILTER (WHERE day = $1::date)::int AS dau,
                count(DISTINCT user_id) FILTER (WHERE day >= $2::date)::int AS wau,
                count(DISTINCT user_id)::int AS mau
           FROM usage_daily_users WHERE day >= $3::date AND day <= $1::date GROUP BY app`,
        [w.today, w.weekFrom, w.monthFrom],
      ),
      this.pool.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, app, count(*)::int AS users
           FROM usage_daily_users WHERE day >= $1::date AND day <= $2::date GROUP BY day, app ORDER BY day, app`,
        [w.from, w.today],
      ),
      this.pool.query(
        `SELECT app, action, sum(count)::bigint AS count
           FROM usage_action_counts WHERE day >= $1::date AND day <= $2::date GROUP BY app, action ORDER BY count DESC, app, action`,
        [w.from, w.today],
      ),
    ]);
    return {
      apps: apps.rows.map((r) => ({ app: r.app, dau: r.dau, wau: r.wau, mau: r.mau })),
      daily: daily.rows.map((r) => ({ day: r.day, app: r.app, users: r.users })),
      actions: actions.rows.map((r) => ({ app: r.app, action: r.action, count: Number(r.count) })),
    };
  }
}

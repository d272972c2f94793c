/**
 * First-party product usage: which page (app) a signed-in user opened and which of its actions
 * they used, per UTC day. Pure: the actions each app may report and the day windows of
 * daily / weekly / monthly active users.
 */

export const USAGE_ACTIONS = {
  console: [
    'open', 'set-available', 'pause', 'log-out', 'transfer-blind', 'transfer-screened', 'transfer-complete', 'transfer-cancel',
    'three-way', 'park', 'retrieve', 'hold', 'resume', 'voicemail', 'hangup', 'take-message',
  ],
  portal: [
    'open', 'status-set', 'status-clear', 'greeting-edit', 'contact-edit', 'contact-delete', 'hours-edit', 'closures-edit',
    'after-hours-edit', 'message-play', 'message-handled', 'call-log-view', 'usage-view',
  ],
  wallboard: ['open'],
  admin: ['open', 'announcement-publish', 'announcement-withdraw'],
} as const satisfies Record<string, readonly string[]>;

export type UsageApp = keyof typeof USAGE_ACTIONS;
export const USAGE_APPS = Object.keys(USAGE_ACTIONS) as UsageApp[];

export function isUsageAction(app: UsageApp, action: string): boolean {
  return (USAGE_ACTIONS[app] as readonly string[]).includes(action);
}

/** A UTC day, `YYYY-MM-DD`. */
export type Day = string;

const DAY_MS = 86_400_000;

export function utcDay(atMs: number): Day {
  return new Date(atMs).toISOString().slice(0, 10);
}

/** The day `n` days before `day` (n may be 0). */
export function daysBefore(day: Day, n: number): Day {
  return utcDay(Date.parse(`${day}T00:00:00Z`) - n * DAY_MS);
}

export const WEEK_DAYS = 7;
export const MONTH_DAYS = 30;

/**
 * The first day of each window ending today, today included: active users today (dau), in the
 * last 7 days (wau), the last 30 (mau), and the `days` asked for the daily table and action counts.
 */
export interface UsageWindows {
  today: Day;
  weekFrom: Day;
  monthFrom: Day;
  from: Day;
}

export function usageWindows(atMs: number, days: number): UsageWindows {
  const today = utcDay(atMs);
  return { today, weekFrom: daysBefore(today, WEEK_DAYS - 1), monthFrom: daysBefore(today, MONTH_DAYS - 1), from: daysBefore(today, days - 1) };
}

export interface ActiveUsers {
  dau: number;
  wau: number;
  mau: number;
}

/** Every app present, those without a report at zero. */
export function activeUsersByApp(rows: ReadonlyArray<{ app: string } & ActiveUsers>): Record<UsageApp, ActiveUsers> {
  const out = Object.fromEntries(USAGE_APPS.map((app) => [app, { dau: 0, wau: 0, mau: 0 }])) as Record<UsageApp, ActiveUsers>;
  for (const r of rows) if (r.app in out) out[r.app as UsageApp] = { dau: r.dau, wau: r.wau, mau: r.mau };
  return out;
}

import type { ActiveUsers, Day, UsageApp, UsageWindows } from '../domain/product-usage';

export interface UsageReport {
  day: Day;
  app: UsageApp;
  action: string;
  userId: string;
}

export interface UsageSummary {
  /** Active users per app over the windows (apps without a report absent). */
  apps: Array<{ app: UsageApp } & ActiveUsers>;
  /** Distinct users per day and app from `windows.from`, days with none absent; oldest first. */
  daily: Array<{ day: Day; app: UsageApp; users: number }>;
  /** Uses of each action from `windows.from`; most used first. */
  actions: Array<{ app: UsageApp; action: string; count: number }>;
}

/** First-party usage per UTC day (PostgreSQL `usage_daily_users`, `usage_action_counts`): no IPs, no user agents. */
export interface ProductUsageStore {
  /** One report: the user counted active that day in that app, the action counted once more. */
  record(report: UsageReport): Promise<void>;
  summary(windows: UsageWindows): Promise<UsageSummary>;
}

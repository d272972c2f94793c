import type { CallStats } from '../ports/call-stats';
import type { Clock } from '../ports/clock';
import type { RollUpOptions } from './intervals';
import { localDayOf, wallboardToday, type WallboardToday } from './today';

export interface WallboardSettings {
  /** The company's time zone: "today" is its calendar day. */
  timeZone: string;
  options: RollUpOptions;
  /** How long one reading serves every wallboard; default 2 s. */
  maxAgeMs?: number;
}

/**
 * Today's queue figures for the wallboards: one read per `maxAgeMs` whatever the number of
 * screens (requests arriving while a read is under way share it); a failed read is not kept.
 */
export class WallboardFigures {
  private cached: { readAt: number; dayEnd: number; value: Promise<WallboardToday> } | null = null;

  constructor(
    private readonly stats: CallStats,
    private readonly clock: Clock,
    private readonly settings: WallboardSettings,
  ) {}

  today(): Promise<WallboardToday> {
    const now = this.clock.now();
    const c = this.cached;
    if (c && now - c.readAt < (this.settings.maxAgeMs ?? 2000) && now < c.dayEnd && now >= c.readAt) return c.value;
    const day = localDayOf(now, this.settings.timeZone);
    const value = this.stats
      .callsArrivedIn({ from: day.from, to: day.to })
      .then((calls) => wallboardToday({ day, timeZone: this.settings.timeZone, calls, options: this.settings.options, asOf: now }));
    const entry = { readAt: now, dayEnd: day.to, value };
    this.cached = entry;
    value.catch(() => {
      if (this.cached === entry) this.cached = null;
    });
    return value;
  }
}

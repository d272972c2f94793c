import { localTimeAt } from '../domain/business-hours';
import type { ArrivedCall } from '../ports/call-stats';
import type { RollUpOptions } from './intervals';

/** A calendar day in a time zone: its date and the instants [from, to) it covers. */
export interface LocalDay {
  /** `YYYY-MM-DD` in the zone. */
  day: string;
  from: number;
  to: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * The first instant whose local date in `timeZone` is `date` or later. Offsets lie within
 * -12 h..+14 h and change on whole minutes, so a binary search over minutes finds it, even when
 * a DST change skips local midnight (the day then starts at 01:00).
 */
function startOfLocalDate(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y!, m! - 1, d!);
  let lo = wall - 15 * HOUR_MS; // still the day before, whatever the offset
  let hi = wall + 13 * HOUR_MS; // already the day, whatever the offset
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (localTimeAt(mid, timeZone).date >= date) hi = mid;
    else lo = mid;
  }
  return hi;
}

function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + 1)).toISOString().slice(0, 10);
}

/** The local day holding `atMs` in `timeZone` (23, 24 or 25 hours long). */
export function localDayOf(atMs: number, timeZone: string): LocalDay {
  const day = localTimeAt(atMs, timeZone).date;
  return { day, from: startOfLocalDate(day, timeZone), to: startOfLocalDate(nextDate(day), timeZone) };
}

/** The queue figures of a set of calls, by the definitions of the analytics roll-up (`rollUpIntervals`). */
export interface DayFigures {
  arrived: number;
  answered: number;
  abandoned: number;
  /** Abandoned after waiting less than the short-abandon threshold (included in `abandoned`). */
  shortAbandoned: number;
  /** Answered within the service-level threshold (inclusive). */
  answeredWithinThreshold: number;
  /** Mean wait of answered calls (average speed of answer); null with none answered. */
  asaMs: number | null;
  /** answeredWithinThreshold / (answered + abandoned - shortAbandoned), as a percentage; null when that is 0. */
  serviceLevelPct: number | null;
  /** Longest wait of an answered call; null with none answered. */
  longestAnsweredWaitMs: number | null;
}

/**
 * Answered: has a first answer (whatever happened after). Abandoned: not answered, and the caller
 * left the queue by hanging up (outcome `abandoned`); short when the wait was under the
 * short-abandon threshold. Calls still waiting, overflowed or closed count only in `arrived`.
 */
export function dayFigures(calls: Iterable<ArrivedCall>, options: RollUpOptions): DayFigures {
  const thresholdMs = options.serviceLevelSeconds * 1000;
  const shortMs = options.shortAbandonSeconds * 1000;
  let arrived = 0;
  let answered = 0;
  let abandoned = 0;
  let shortAbandoned = 0;
  let answeredWithinThreshold = 0;
  let answeredWaitMs = 0;
  let longest = 0;
  for (const c of calls) {
    arrived += 1;
    const waitMs = c.waitMs ?? 0;
    if (c.answeredAt !== null) {
      answered += 1;
      answeredWaitMs += waitMs;
      longest = Math.max(longest, waitMs);
      if (waitMs <= thresholdMs) answeredWithinThreshold += 1;
    } else if (c.outcome === 'abandoned') {
      abandoned += 1;
      if (waitMs < shortMs) shortAbandoned += 1;
    }
  }
  const slBase = answered + abandoned - shortAbandoned;
  return {
    arrived,
    answered,
    abandoned,
    shortAbandoned,
    answeredWithinThreshold,
    asaMs: answered > 0 ? answeredWaitMs / answered : null,
    serviceLevelPct: slBase > 0 ? (100 * answeredWithinThreshold) / slBase : null,
    longestAnsweredWaitMs: answered > 0 ? longest : null,
  };
}

/** What `GET /api/wallboard/today` answers. */
export interface WallboardToday extends DayFigures {
  day: string;
  timeZone: string;
  /** The day's bounds, ISO 8601. */
  from: string;
  to: string;
  serviceLevelSeconds: number;
  shortAbandonSeconds: number;
  /** When the figures were read, ISO 8601. */
  asOf: string;
}

export function wallboardToday(input: { day: LocalDay; timeZone: string; calls: Iterable<ArrivedCall>; options: RollUpOptions; asOf: number }): WallboardToday {
  const { day, timeZone, options } = input;
  return {
    day: day.day,
    timeZone,
    from: new Date(day.from).toISOString(),
    to: new Date(day.to).toISOString(),
    serviceLevelSeconds: options.serviceLevelSeconds,
    shortAbandonSeconds: options.shortAbandonSeconds,
    ...dayFigures(input.calls, options),
    asOf: new Date(input.asOf).toISOString(),
  };
}

/**
 * Is a client open at an instant? Pure: the instant and the client's schedule are passed in; the
 * time zone arithmetic is the JavaScript built-in Intl (IANA zones, daylight saving included).
 */

/** ISO weekday: 1 = Monday ... 7 = Sunday, in the client's own time zone. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One opening interval on one weekday, local wall-clock time `HH:MM` (`closes` may be `24:00`). */
export interface OpeningInterval {
  weekday: IsoWeekday;
  opens: string;
  closes: string;
}

/** A holiday or closure, local calendar dates `YYYY-MM-DD`, both days included. */
export interface Closure {
  firstDay: string;
  lastDay: string;
  label: string;
}

export interface BusinessSchedule {
  /** IANA time zone, e.g. `America/Los_Angeles`. */
  timeZone: string;
  /** Empty: no hours configured, open at all times (closures still apply). */
  hours: OpeningInterval[];
  closures: Closure[];
}

export type OpeningReason = 'within-hours' | 'no-hours-configured' | 'outside-hours' | 'closure';

export interface OpeningState {
  open: boolean;
  reason: OpeningReason;
  /** The closure's label when `reason` is `closure`, else ''. */
  closureLabel: string;
  /** The client's local date and time at the instant: `YYYY-MM-DD`, `HH:MM`, weekday. */
  local: LocalTime;
}

export interface LocalTime {
  date: string;
  time: string;
  weekday: IsoWeekday;
  /** Minutes since local midnight. */
  minuteOfDay: number;
}

export class BusinessHoursError extends Error {
  constructor(
    readonly code: 'invalid-time-zone' | 'invalid-time-of-day',
    message: string,
  ) {
    super(message);
    this.name = 'BusinessHoursError';
  }
}

const WEEKDAYS: Record<string, IsoWeekday> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

// Building a DateTimeFormat costs far more than using one; zones are few, so keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
    } catch {
      throw new BusinessHoursError('invalid-time-zone', `unknown time zone ${JSON.stringify(timeZone)}`);
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date, time and weekday in `timeZone` at `instantMs` (ms since the epoch). */
export function localTimeAt(instantMs: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instantMs))) parts[part.type] = part.value;
  const hour = Number(parts.hour) % 24;
  const minute = Number(parts.minute);
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
    weekday: WEEKDAYS[parts.weekday],
    minuteOfDay: hour * 60 + minute,
  };
}

/** `HH:MM` or `HH:MM:SS` (as PostgreSQL prints a `time`) -> minutes since midnight; `24:00` is 1440. */
export function minutesOfDay(text: string): number {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  const hours = match ? Number(match[1]) : NaN;
  const minutes = match ? Number(match[2]) : NaN;
  if (!match || hours > 24 || minutes > 59 || (hours === 24 && minutes !== 0)) {
    throw new BusinessHoursError('invalid-time-of-day', `not a time of day: ${JSON.stringify(text)}`);
  }
  return hours * 60 + minutes;
}

/** The closure covering a local date, if any (dates compare as text since they are `YYYY-MM-DD`). */
export function closureOn(date: string, closures: readonly Closure[]): Closure | null {
  return closures.find((c) => c.firstDay <= date && date <= c.lastDay) ?? null;
}

/**
 * Open at `instantMs`? A closure wins over hours; no hours at all means always open. An interval
 * includes its opening minute and excludes its closing minute (09:00-17:00 is closed at 17:00).
 */
export function openingStateAt(schedule: BusinessSchedule, instantMs: number): OpeningState {
  const local = localTimeAt(instantMs, schedule.timeZone);
  const closure = closureOn(local.date, schedule.closures);
  if (closure) return { open: false, reason: 'closure', closureLabel: closure.label, local };
  if (schedule.hours.length === 0) return { open: true, reason: 'no-hours-configured', closureLabel: '', local };
  const open = schedule.hours.some(
    (h) => h.weekday === local.weekday && minutesOfDay(h.opens) <= local.minuteOfDay && local.minuteOfDay < minutesOfDay(h.closes),
  );
  return { open, reason: open ? 'within-hours' : 'outside-hours', closureLabel: '', local };
}

/** What the client posted (e.g. "out until 3 pm"); an expired status reads as none. */
export interface ClientStatus {
  text: string;
  postedAt: number;
  /** ms since the epoch, or null: until replaced. */
  expiresAt: number | null;
}

export function currentStatusText(status: ClientStatus | null, instantMs: number): string {
  if (!status) return '';
  if (status.expiresAt !== null && status.expiresAt <= instantMs) return '';
  return status.text;
}

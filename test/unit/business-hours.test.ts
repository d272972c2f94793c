import { describe, expect, it } from 'vitest';
import {
  BusinessHoursError,
  currentStatusText,
  isValidTimeZone,
  localTimeAt,
  openingStateAt,
  type BusinessSchedule,
  type OpeningInterval,
} from '../../src/domain/business-hours';

const at = (iso: string) => Date.parse(iso);
const weekdays = (opens: string, closes: string): OpeningInterval[] =>
  ([1, 2, 3, 4, 5] as const).map((weekday) => ({ weekday, opens, closes }));
const portland = (extra: Partial<BusinessSchedule> = {}): BusinessSchedule => ({
  timeZone: 'America/Los_Angeles',
  hours: weekdays('09:00', '17:00'),
  closures: [],
  ...extra,
});

describe('business hours: open at an instant in the client time zone', () => {
  it('given Mon-Fri 9-17 in Los Angeles when it is Monday 10:00 there (18:00 UTC) then the client is open', () => {
    const state = openingStateAt(portland(), at('2026-11-23T18:00:00Z'));
    expect(state).toMatchObject({ open: true, reason: 'within-hours', local: { date: '2026-11-23', time: '10:00', weekday: 1 } });
  });

  it('given Mon-Fri 9-17 when it is Monday 17:30 there (01:30 UTC on Tuesday) then the client is closed, judged by the local day', () => {
    const state = openingStateAt(portland(), at('2026-11-24T01:30:00Z'));
    expect(state).toMatchObject({ open: false, reason: 'outside-hours', local: { date: '2026-11-23', weekday: 1, time: '17:30' } });
  });

  it('given the same UTC time of day either side of the spring DST change then only the daylight-saving morning is open', () => {
    // 16:30 UTC is 08:30 PST (Friday before the change) but 09:30 PDT (Monday after it).
    expect(openingStateAt(portland(), at('2026-03-06T16:30:00Z')).open).toBe(false);
    expect(openingStateAt(portland(), at('2026-03-09T16:30:00Z')).open).toBe(true);
  });

  it('given hours ending at 17:00 then 16:59 is open and 17:00 is closed; opening minute 09:00 is open', () => {
    expect(openingStateAt(portland(), at('2026-11-23T17:00:00Z')).open).toBe(true); // 09:00
    expect(openingStateAt(portland(), at('2026-11-24T00:59:00Z')).open).toBe(true); // 16:59
    expect(openingStateAt(portland(), at('2026-11-24T01:00:00Z')).open).toBe(false); // 17:00
  });

  it('given a lunch break (two intervals on a day) then the client is closed over lunch and open either side', () => {
    const schedule = portland({ hours: [...weekdays('09:00', '12:00'), ...weekdays('13:00', '17:00')] });
    expect(openingStateAt(schedule, at('2026-11-23T19:30:00Z')).open).toBe(true); // 11:30
    expect(openingStateAt(schedule, at('2026-11-23T20:30:00Z')).open).toBe(false); // 12:30
    expect(openingStateAt(schedule, at('2026-11-23T21:30:00Z')).open).toBe(true); // 13:30
  });

  it('given hours to 24:00 (PostgreSQL prints 24:00:00) then 23:59 is open', () => {
    const schedule = portland({ hours: [{ weekday: 1, opens: '00:00:00', closes: '24:00:00' }] });
    expect(openingStateAt(schedule, at('2026-11-24T07:59:00Z')).open).toBe(true); // Monday 23:59
    expect(openingStateAt(schedule, at('2026-11-24T08:00:00Z')).open).toBe(false); // Tuesday 00:00
  });

  it('given a Thanksgiving closure when it is Thursday 10:00 then the client is closed with the closure label, though within hours', () => {
    const schedule = portland({ closures: [{ firstDay: '2026-11-26', lastDay: '2026-11-27', label: 'Thanksgiving' }] });
    expect(openingStateAt(schedule, at('2026-11-26T18:00:00Z'))).toMatchObject({ open: false, reason: 'closure', closureLabel: 'Thanksgiving' });
    expect(openingStateAt(schedule, at('2026-11-27T18:00:00Z'))).toMatchObject({ open: false, reason: 'closure' });
    expect(openingStateAt(schedule, at('2026-11-30T18:00:00Z'))).toMatchObject({ open: true });
  });

  it('given a closure dated in Auckland when it is already that date in Auckland but not in UTC then the client is closed', () => {
    const schedule: BusinessSchedule = { timeZone: 'Pacific/Auckland', hours: [], closures: [{ firstDay: '2026-11-24', lastDay: '2026-11-24', label: 'Staff day' }] };
    // 2026-11-23T18:00Z is Tuesday 07:00 in Auckland (NZDT, UTC+13).
    expect(localTimeAt(at('2026-11-23T18:00:00Z'), 'Pacific/Auckland')).toMatchObject({ date: '2026-11-24', weekday: 2, time: '07:00' });
    expect(openingStateAt(schedule, at('2026-11-23T18:00:00Z'))).toMatchObject({ open: false, closureLabel: 'Staff day' });
  });

  it('given no hours configured then the client is always open, except on closures', () => {
    expect(openingStateAt(portland({ hours: [] }), at('2026-11-22T06:00:00Z'))).toMatchObject({ open: true, reason: 'no-hours-configured' });
  });

  it('given Saturday then a Mon-Fri client is closed', () => {
    expect(openingStateAt(portland(), at('2026-11-21T18:00:00Z'))).toMatchObject({ open: false, local: { weekday: 6 } });
  });

  it('given an unknown time zone then a BusinessHoursError with code invalid-time-zone is thrown', () => {
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(() => openingStateAt(portland({ timeZone: 'Mars/Olympus_Mons' }), 0)).toThrowError(BusinessHoursError);
    try {
      openingStateAt(portland({ timeZone: 'Mars/Olympus_Mons' }), 0);
    } catch (err) {
      expect((err as BusinessHoursError).code).toBe('invalid-time-zone');
    }
  });

  it('given a malformed opening time then code invalid-time-of-day', () => {
    expect(() => openingStateAt(portland({ hours: [{ weekday: 1, opens: '9am', closes: '17:00' }] }), at('2026-11-23T18:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'invalid-time-of-day' }),
    );
  });
});

describe('client status text', () => {
  const status = { text: 'out until 3 pm', postedAt: at('2026-11-23T17:00:00Z'), expiresAt: at('2026-11-23T23:00:00Z') };

  it('given a posted status when read before it expires then it is shown; after, it reads empty', () => {
    expect(currentStatusText(status, at('2026-11-23T18:00:00Z'))).toBe('out until 3 pm');
    expect(currentStatusText(status, at('2026-11-23T23:00:00Z'))).toBe('');
  });

  it('given a status without expiry then it stays; given none then empty', () => {
    expect(currentStatusText({ ...status, expiresAt: null }, at('2030-01-01T00:00:00Z'))).toBe('out until 3 pm');
    expect(currentStatusText(null, 0)).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import {
  actorName,
  canonicalTimeZone,
  checkAfterHours,
  checkClosures,
  checkContact,
  checkGreeting,
  checkHours,
  checkStatus,
  isCalendarDate,
  mayAllowForwarding,
  statusActive,
  type ContactInput,
} from '../../src/domain/client-settings';
import { DEFAULT_DESTINATION_POLICY as POLICY, listableNumber, type AllowRule } from '../../src/domain/destinations';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const contact = (over: Partial<ContactInput> = {}): ContactInput => ({
  name: 'Dana', number: '+15035550111', extension: null, alwaysScreen: false, availability: 'available', note: '', ...over,
});
const codeOf = (r: { ok: boolean; code?: string }) => (r.ok ? 'ok' : r.code);

describe('greeting', () => {
  it('given text with spaces around when checked then it is trimmed and kept verbatim, HTML included', () => {
    expect(checkGreeting('  <script>alert(1)</script> Hello  ')).toEqual({ ok: true, value: '<script>alert(1)</script> Hello' });
  });

  it('given an empty, a too long or a control-character greeting then bad-greeting', () => {
    expect(codeOf(checkGreeting('   '))).toBe('bad-greeting');
    expect(codeOf(checkGreeting('x'.repeat(301)))).toBe('bad-greeting');
    expect(codeOf(checkGreeting('x'.repeat(300)))).toBe('ok');
    expect(codeOf(checkGreeting('Hello\nSET VARIABLE'))).toBe('bad-greeting');
    expect(codeOf(checkGreeting('Hello\u0000'))).toBe('bad-greeting');
  });
});

describe('status window', () => {
  it('given no window then it is posted from now until removed', () => {
    expect(checkStatus({ text: 'Out today', instruction: 'take-message' }, NOW)).toEqual({
      ok: true, value: { text: 'Out today', instruction: 'take-message', startsAt: null, endsAt: null },
    });
  });

  it('given an end in the past, or not after the start, then bad-window', () => {
    expect(codeOf(checkStatus({ text: 'x', instruction: 'none', endsAt: '2026-11-23T11:59:59Z' }, NOW))).toBe('bad-window');
    expect(codeOf(checkStatus({ text: 'x', instruction: 'none', endsAt: '2026-11-23T12:00:00Z' }, NOW))).toBe('bad-window');
    expect(codeOf(checkStatus({ text: 'x', instruction: 'none', startsAt: '2026-11-24T10:00:00Z', endsAt: '2026-11-24T10:00:00Z' }, NOW))).toBe('bad-window');
    expect(codeOf(checkStatus({ text: 'x', instruction: 'none', startsAt: '2026-11-24T10:00:00Z', endsAt: '2026-11-24T09:00:00Z' }, NOW))).toBe('bad-window');
    expect(codeOf(checkStatus({ text: 'x', instruction: 'none', startsAt: '2026-11-24T10:00:00Z', endsAt: '2026-11-24T11:00:00Z' }, NOW))).toBe('ok');
  });

  it('given a status when asked if it is active then now must be within [startsAt, endsAt)', () => {
    const w = { startsAt: NOW, endsAt: NOW + 1000 };
    expect(statusActive(w, NOW - 1)).toBe(false);
    expect(statusActive(w, NOW)).toBe(true);
    expect(statusActive(w, NOW + 1000)).toBe(false);
    expect(statusActive({ startsAt: null, endsAt: null }, NOW)).toBe(true);
  });

  it('given an empty or hostile text then bad-status; a line break is allowed', () => {
    expect(codeOf(checkStatus({ text: ' ', instruction: 'none' }, NOW))).toBe('bad-status');
    expect(codeOf(checkStatus({ text: 'a\rb', instruction: 'none' }, NOW))).toBe('bad-status');
    expect(codeOf(checkStatus({ text: 'line one\nline two', instruction: 'none' }, NOW))).toBe('ok');
    expect(codeOf(checkStatus({ text: 'x', instruction: 'sing' as never }, NOW))).toBe('bad-status');
  });
});

describe('contacts and the toll-fraud rule', () => {
  const none: AllowRule[] = [];

  it('given a domestic number or an internal extension then the contact is accepted', () => {
    expect(checkContact('12', contact(), none, POLICY)).toMatchObject({ ok: true, value: { code: '12', number: '+15035550111', extension: null } });
    expect(checkContact('3', contact({ number: null, extension: '204' }), none, POLICY)).toMatchObject({ ok: true, value: { extension: '204' } });
  });

  it('given an international or premium-rate number not on the allow-list then 422 destination-not-allowed', () => {
    for (const number of ['+447700900123', '+19005551234', '+449012345678']) {
      const r = checkContact('1', contact({ number }), none, POLICY);
      expect(r).toMatchObject({ ok: false, status: 422, code: 'destination-not-allowed' });
    }
  });

  it('given an allow-list entry with the international flag then that international contact is accepted, a premium one still not', () => {
    const allow: AllowRule[] = [{ pattern: '+44', exact: false, international: true, premium: false }];
    expect(codeOf(checkContact('1', contact({ number: '+447700900123' }), allow, POLICY))).toBe('ok');
    expect(codeOf(checkContact('1', contact({ number: '+449012345678' }), allow, POLICY))).toBe('destination-not-allowed');
    const premium: AllowRule[] = [{ pattern: '+19005551234', exact: true, international: false, premium: true }];
    expect(codeOf(checkContact('1', contact({ number: '+19005551234' }), premium, POLICY))).toBe('ok');
  });

  it('given both or neither of number and extension, a bad extension or code then bad-contact', () => {
    expect(codeOf(checkContact('1', contact({ extension: '204' }), none, POLICY))).toBe('bad-contact');
    expect(codeOf(checkContact('1', contact({ number: null }), none, POLICY))).toBe('bad-contact');
    expect(codeOf(checkContact('1', contact({ number: null, extension: '9' }), none, POLICY))).toBe('bad-contact');
    expect(codeOf(checkContact('1234567', contact(), none, POLICY))).toBe('bad-contact');
    expect(codeOf(checkContact('1', contact({ number: '+1503&555' }), none, POLICY))).toBe('bad-contact');
    expect(codeOf(checkContact('1', contact({ name: ' ' }), none, POLICY))).toBe('bad-contact');
  });

  it('listableNumber: a domestic number is fine, the rest needs its flag', () => {
    expect(listableNumber('+15035550111', [], POLICY)).toEqual({ ok: true });
    expect(listableNumber('+15035550111;', [], POLICY)).toMatchObject({ ok: false, code: 'invalid-destination' });
    expect(listableNumber('+33142868200', [{ pattern: '+33', exact: false, international: false, premium: false }], POLICY)).toMatchObject({ ok: false, code: 'destination-not-allowed' });
  });
});

describe('hours', () => {
  it('given a valid zone and intervals then they are sorted and the zone canonical', () => {
    const r = checkHours({
      timeZone: 'america/los_angeles',
      hours: [
        { weekday: 1, opens: '13:00', closes: '17:00' },
        { weekday: 1, opens: '09:00', closes: '12:00' },
        { weekday: 5, opens: '00:00', closes: '24:00' },
      ],
    });
    expect(r).toEqual({
      ok: true,
      value: {
        timeZone: 'America/Los_Angeles',
        hours: [
          { weekday: 1, opens: '09:00', closes: '12:00' },
          { weekday: 1, opens: '13:00', closes: '17:00' },
          { weekday: 5, opens: '00:00', closes: '24:00' },
        ],
      },
    });
  });

  it('given an unknown time zone then bad-time-zone', () => {
    expect(codeOf(checkHours({ timeZone: 'Mars/Olympus_Mons', hours: [] }))).toBe('bad-time-zone');
    expect(codeOf(checkHours({ timeZone: "UTC'; DROP TABLE clients", hours: [] }))).toBe('bad-time-zone');
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
  });

  it('given overlapping intervals, closing before opening or bad times then bad-hours; touching intervals are fine', () => {
    expect(codeOf(checkHours({ timeZone: 'UTC', hours: [{ weekday: 2, opens: '09:00', closes: '12:00' }, { weekday: 2, opens: '11:59', closes: '13:00' }] }))).toBe('bad-hours');
    expect(codeOf(checkHours({ timeZone: 'UTC', hours: [{ weekday: 2, opens: '09:00', closes: '12:00' }, { weekday: 2, opens: '09:00', closes: '10:00' }] }))).toBe('bad-hours');
    expect(codeOf(checkHours({ timeZone: 'UTC', hours: [{ weekday: 2, opens: '09:00', closes: '12:00' }, { weekday: 2, opens: '12:00', closes: '13:00' }] }))).toBe('ok');
    expect(codeOf(checkHours({ timeZone: 'UTC', hours: [{ weekday: 2, opens: '12:00', closes: '09:00' }] }))).toBe('bad-hours');
    expect(codeOf(checkHours({ timeZone: 'UTC', hours: [{ weekday: 8, opens: '09:00', closes: '10:00' }] }))).toBe('bad-hours');
    expect(codeOf(checkHours({ timeZone: 'UTC', hours: [{ weekday: 1, opens: '24:00', closes: '24:00' }] }))).toBe('bad-hours');
    expect(codeOf(checkHours({ timeZone: 'UTC', hours: Array.from({ length: 22 }, (_, i) => ({ weekday: (i % 7) + 1, opens: `0${Math.floor(i / 7)}:00`, closes: `0${Math.floor(i / 7)}:30` })) }))).toBe('bad-hours');
  });
});

describe('closures', () => {
  it('given real dates then they are sorted and labels trimmed', () => {
    expect(checkClosures([{ firstDay: '2026-12-31', lastDay: '2027-01-01', label: ' New year ' }, { firstDay: '2026-12-25', lastDay: '2026-12-25', label: '' }])).toEqual({
      ok: true,
      value: [{ firstDay: '2026-12-25', lastDay: '2026-12-25', label: '' }, { firstDay: '2026-12-31', lastDay: '2027-01-01', label: 'New year' }],
    });
  });

  it('given impossible dates, reversed days, two on one first day or too many then bad-closures', () => {
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(codeOf(checkClosures([{ firstDay: '2026-02-30', lastDay: '2026-03-01', label: '' }]))).toBe('bad-closures');
    expect(codeOf(checkClosures([{ firstDay: '2026-03-02', lastDay: '2026-03-01', label: '' }]))).toBe('bad-closures');
    expect(codeOf(checkClosures([{ firstDay: '2026-03-01', lastDay: '2026-03-01', label: '' }, { firstDay: '2026-03-01', lastDay: '2026-03-02', label: '' }]))).toBe('bad-closures');
    expect(codeOf(checkClosures(Array.from({ length: 101 }, (_, i) => ({ firstDay: `2026-01-01`, lastDay: '2026-01-01', label: String(i) }))))).toBe('bad-closures');
  });
});

describe('after hours', () => {
  it('given each action with what it needs then it is accepted; a national forward target becomes E.164', () => {
    expect(checkAfterHours({ action: 'voicemail' }, [], POLICY)).toEqual({ ok: true, value: { action: 'voicemail', announcement: null, forwardTo: null } });
    expect(checkAfterHours({ action: 'announcement', announcement: 'custom/acme-closed' }, [], POLICY)).toMatchObject({ ok: true, value: { announcement: 'custom/acme-closed' } });
    expect(checkAfterHours({ action: 'forward', forwardTo: '5035550123', forwardAllowed: true }, [], POLICY)).toEqual({
      ok: true, value: { action: 'forward', announcement: null, forwardTo: '+15035550123', forwardAllowed: true },
    });
  });

  it('given dialplan injection, a missing target or a premium/international forward then refused', () => {
    expect(codeOf(checkAfterHours({ action: 'announcement', announcement: '../../etc/passwd' }, [], POLICY))).toBe('bad-after-hours');
    expect(codeOf(checkAfterHours({ action: 'announcement', announcement: 'a,b)' }, [], POLICY))).toBe('bad-after-hours');
    expect(codeOf(checkAfterHours({ action: 'forward', forwardTo: '5035550123&SIP/evil' }, [], POLICY))).toBe('bad-after-hours');
    expect(codeOf(checkAfterHours({ action: 'forward' }, [], POLICY))).toBe('bad-after-hours');
    expect(codeOf(checkAfterHours({ action: 'announcement' }, [], POLICY))).toBe('bad-after-hours');
    expect(checkAfterHours({ action: 'forward', forwardTo: '9005551234' }, [], POLICY)).toMatchObject({ ok: false, status: 422, code: 'destination-not-allowed' });
    expect(codeOf(checkAfterHours({ action: 'forward', forwardTo: '+447700900123' }, [], POLICY))).toBe('destination-not-allowed');
  });

  it('only the service token or an admin may allow forwarding', () => {
    expect(mayAllowForwarding({ kind: 'service' })).toBe(true);
    expect(mayAllowForwarding({ kind: 'user', userId: 'u1', role: 'admin', clientId: null, receptionistId: null })).toBe(true);
    expect(mayAllowForwarding({ kind: 'user', userId: 'u2', role: 'client', clientId: 'acme', receptionistId: null })).toBe(false);
    expect(mayAllowForwarding({ kind: 'user', userId: 'u3', role: 'supervisor', clientId: null, receptionistId: null })).toBe(false);
    expect(mayAllowForwarding(null)).toBe(false);
    expect(actorName({ kind: 'service' })).toBe('service');
    expect(actorName({ kind: 'user', userId: 'u2', role: 'client', clientId: 'acme', receptionistId: null })).toBe('u2');
  });
});

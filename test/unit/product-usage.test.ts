import { describe, expect, it } from 'vitest';
import { activeUsersByApp, daysBefore, isUsageAction, USAGE_ACTIONS, USAGE_APPS, usageWindows, utcDay } from '../../src/domain/product-usage';

describe('product usage: actions and day windows', () => {
  it('given each app then only its own actions are counted', () => {
    expect(USAGE_APPS).toEqual(['console', 'portal', 'wallboard', 'admin']);
    expect(isUsageAction('console', 'transfer-screened')).toBe(true);
    expect(isUsageAction('console', 'take-message')).toBe(true);
    expect(isUsageAction('portal', 'usage-view')).toBe(true);
    expect(isUsageAction('admin', 'announcement-withdraw')).toBe(true);
    expect(isUsageAction('portal', 'park')).toBe(false);
    expect(isUsageAction('wallboard', 'hold')).toBe(false);
    expect(isUsageAction('console', 'Open')).toBe(false);
    expect(isUsageAction('console', 'toString')).toBe(false);
    for (const app of USAGE_APPS) {
      expect(USAGE_ACTIONS[app]).toContain('open');
      expect(new Set(USAGE_ACTIONS[app]).size).toBe(USAGE_ACTIONS[app].length);
      for (const action of USAGE_ACTIONS[app]) expect(action).toMatch(/^[a-z-]{1,40}$/);
    }
    expect(USAGE_ACTIONS.console.length).toBe(16);
    expect(USAGE_ACTIONS.portal.length).toBe(13);
  });

  it('given a moment then its day is the UTC day, whatever the local time', () => {
    expect(utcDay(Date.parse('2027-01-01T00:00:00Z'))).toBe('2027-01-01');
    expect(utcDay(Date.parse('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31');
    expect(utcDay(Date.parse('2027-01-01T01:00:00+05:00'))).toBe('2026-12-31');
  });

  it('given today then the week is the last 7 days and the month the last 30, today included, across month and year ends', () => {
    const w = usageWindows(Date.parse('2027-01-03T18:00:00Z'), 30);
    expect(w).toEqual({ today: '2027-01-03', weekFrom: '2026-12-28', monthFrom: '2026-12-05', from: '2026-12-05' });
    expect(usageWindows(Date.parse('2027-01-03T18:00:00Z'), 1).from).toBe('2027-01-03');
    expect(usageWindows(Date.parse('2028-03-01T00:00:00Z'), 400).from).toBe(daysBefore('2028-03-01', 399));
    expect(daysBefore('2028-03-01', 1)).toBe('2028-02-29');
    expect(daysBefore('2027-03-28', 1)).toBe('2027-03-27');
  });

  it('given the figures of some apps then every app is there, the others at zero', () => {
    expect(activeUsersByApp([{ app: 'portal', dau: 1, wau: 2, mau: 3 }, { app: 'retired', dau: 9, wau: 9, mau: 9 }])).toEqual({
      console: { dau: 0, wau: 0, mau: 0 },
      portal: { dau: 1, wau: 2, mau: 3 },
      wallboard: { dau: 0, wau: 0, mau: 0 },
      admin: { dau: 0, wau: 0, mau: 0 },
    });
  });
});

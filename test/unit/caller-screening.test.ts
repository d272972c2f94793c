import { describe, expect, it } from 'vitest';
import { classifyCaller, type CallerListEntry } from '../../src/domain/caller-screening';

const entry = (e: Partial<CallerListEntry>): CallerListEntry => ({ clientId: null, number: '5035551234', kind: 'known', label: '', ...e });

describe('caller classification', () => {
  it('given no entry then the caller is unknown', () => {
    expect(classifyCaller('5035551234', 'acme', [])).toEqual({ callerClass: 'unknown', known: false, vip: false, blocked: false, scope: 'none', label: '' });
  });

  it('given a client VIP entry then the caller is VIP and known', () => {
    expect(classifyCaller('5035551234', 'acme', [entry({ clientId: 'acme', kind: 'vip', label: 'Owner' })])).toEqual({
      callerClass: 'vip',
      known: true,
      vip: true,
      blocked: false,
      scope: 'client',
      label: 'Owner',
    });
  });

  it('given a company-wide spam entry then the caller is blocked for every client', () => {
    const spam = [entry({ kind: 'blocked', label: 'robocaller' })];
    expect(classifyCaller('5035551234', 'acme', spam)).toMatchObject({ callerClass: 'blocked', blocked: true, known: false, scope: 'company' });
    expect(classifyCaller('5035551234', null, spam)).toMatchObject({ blocked: true });
  });

  it('given a company-wide block but the client knows the caller then the client entry wins', () => {
    const entries = [entry({ kind: 'blocked' }), entry({ clientId: 'acme', kind: 'known', label: 'Supplier' })];
    expect(classifyCaller('5035551234', 'acme', entries)).toMatchObject({ callerClass: 'known', blocked: false, scope: 'client', label: 'Supplier' });
    expect(classifyCaller('5035551234', 'zen', entries)).toMatchObject({ callerClass: 'blocked' });
  });

  it("given another client's VIP entry then it does not apply", () => {
    expect(classifyCaller('5035551234', 'zen', [entry({ clientId: 'acme', kind: 'vip' })])).toMatchObject({ callerClass: 'unknown' });
  });

  it('given a withheld number then the caller is anonymous, even if junk matched', () => {
    for (const withheld of ['', 'unknown', 'Anonymous', 'Restricted', 'private']) {
      expect(classifyCaller(withheld, 'acme', [entry({ kind: 'blocked' })]).callerClass).toBe('anonymous');
    }
  });

  it('given junk around a listed number then it is not taken for that number', () => {
    expect(classifyCaller('5035551234" x', 'acme', [entry({ clientId: 'acme', kind: 'vip' })])).toMatchObject({ callerClass: 'unknown', vip: false });
  });
});

import { describe, expect, it } from 'vitest';
import { callerNote } from '../../src/domain/caller-notes';

const none = { count: 0, last: null };
const twice = { count: 2, last: { at: Date.parse('2026-11-28T09:12:00Z'), outcome: 'abandoned' } };

describe('notes about the caller', () => {
  it("given the client's VIP entry and a company-wide spam entry then the client's own wins, with its label and the caller's history", () => {
    const note = callerNote('+15035551234', 'acme', [
      { clientId: null, number: '+15035551234', kind: 'blocked', label: 'robocaller' },
      { clientId: 'acme', number: '+15035551234', kind: 'vip', label: "Mrs Jones (owner's mother)" },
    ], twice);
    expect(note).toEqual({ callerClass: 'vip', label: "Mrs Jones (owner's mother)", previousCalls: 2, lastCallAt: twice.last.at, lastOutcome: 'abandoned' });
  });

  it("given another client's entry only then the caller is unknown to this client, and a first call says so", () => {
    const note = callerNote('+15035551234', 'acme', [{ clientId: 'zenith', number: '+15035551234', kind: 'vip', label: 'Zenith VIP' }], none);
    expect(note).toEqual({ callerClass: 'unknown', label: '', previousCalls: 0, lastCallAt: null, lastOutcome: null });
  });

  it('given a withheld number then no history is claimed, whatever the log matched', () => {
    expect(callerNote('anonymous', 'acme', [], twice)).toMatchObject({ callerClass: 'anonymous', previousCalls: 0, lastCallAt: null });
  });
});

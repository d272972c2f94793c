import { describe, expect, it } from 'vitest';
import type { LegEndReason } from '../../src/domain/messages';
import { Office, clientProfile, ofType } from './support/office';

/** mulberry32: a small seeded PRNG, so a failing seed can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = ['ann', 'bob', 'cat', 'dan'];
const REASONS: LegEndReason[] = ['busy', 'no-answer', 'unreachable', 'failed', 'hangup'];

/**
 * Random days in a small office. The harness checks after every step that nobody is idle while a
 * caller waits, that receptionists and calls agree about rings and calls, and that no originate
 * is aimed at anyone not available and reachable.
 */
describe('invariants under random traffic', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`seed ${seed}: the queue stays consistent and every call ends exactly once`, () => {
      const rand = prng(seed);
      const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(rand() * xs.length)] : undefined);
      const office = new Office().hire(PEOPLE, { ringTimeoutSeconds: 15, wrapUpSeconds: 5, maxMissedOffers: 2 });
      const clients = [
        clientProfile(),
        clientProfile({ id: 'vip', priorityTier: 1, maxWaitSeconds: 120, holdPrompt: { media: 'sound:p', everySeconds: 20 }, announcePosition: true }),
        clientProfile({ id: 'shop', maxWaitSeconds: 60, overflow: { kind: 'announcement', media: 'sound:closed' } }),
      ];
      let n = 0;
      for (let step = 0; step < 600; step++) {
        const calls = office.sb.listCalls();
        const ringing = office.sb.listReceptionists().filter((r) => r.presence.kind === 'ringing');
        const r = rand();
        if (r < 0.2) office.callArrives(`c${++n}`, { client: pick(clients)! });
        else if (r < 0.35) {
          const who = pick(ringing);
          if (who) office.pickUp(who.id);
        } else if (r < 0.42) {
          const who = pick(ringing);
          if (who && who.presence.kind === 'ringing') office.legEnds(who.presence.offerId, pick(REASONS)!);
        } else if (r < 0.5) {
          const c = pick(calls.filter((x) => x.phase === 'connected'));
          if (c) office.receptionistHangsUp(c.id);
        } else if (r < 0.56) {
          const c = pick(calls);
          if (c) office.callerHangsUp(c.id);
        } else if (r < 0.6) {
          const c = pick(calls.filter((x) => x.phase === 'overflow'));
          if (c) office.overflowFinishes(c.id, rand() < 0.5 ? `rec-${c.id}` : null);
        } else if (r < 0.72) {
          const x = rand();
          office.setPresence(pick(PEOPLE)!, x < 0.65 ? { kind: 'available' } : x < 0.9 ? { kind: 'paused', reason: 'x' } : { kind: 'logged-out' });
        } else if (r < 0.75) {
          office.reachability(pick(PEOPLE)!, rand() < 0.6);
        } else if (r < 0.78) {
          // a stale or duplicate PBX report for some offer we made earlier
          const old = pick(ofType(office.history, 'originate'));
          if (old) {
            if (rand() < 0.5) office.answer(old.offer.offerId);
            else office.legEnds(old.offer.offerId, 'hangup');
          }
        } else office.advance(Math.floor(rand() * 20_000));
      }

      const arrived = office.history.filter((c) => c.type === 'log' && c.entry.kind === 'arrived').length;
      const ended = office.history.filter((c) => c.type === 'log' && c.entry.kind === 'ended');
      const endedIds = ended.map((c) => (c.type === 'log' ? c.entry.callId : ''));
      expect(new Set(endedIds).size).toBe(endedIds.length);
      expect(arrived).toBe(ended.length + office.sb.listCalls().length);
      const connects = ofType(office.history, 'connect');
      expect(new Set(connects.map((c) => c.callId)).size).toBe(connects.length);
    });
  }
});

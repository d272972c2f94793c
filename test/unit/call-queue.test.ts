import { describe, expect, it } from 'vitest';
import { CallQueue } from '../../src/domain/call-queue';

const ids = (q: CallQueue) => q.list().map((e) => e.callId);

describe('CallQueue: waiting callers in service order', () => {
  it('given callers of one tier when they queue in any order then the longest wait is served first', () => {
    const q = new CallQueue();
    q.add({ callId: 'c3', priorityTier: 0, enqueuedAt: 300 });
    q.add({ callId: 'c1', priorityTier: 0, enqueuedAt: 100 });
    q.add({ callId: 'c2', priorityTier: 0, enqueuedAt: 200 });
    expect(ids(q)).toEqual(['c1', 'c2', 'c3']);
    expect(q.head()?.callId).toBe('c1');
  });

  it('given two tiers when a higher-tier caller arrives last then they go ahead of everyone of a lower tier', () => {
    const q = new CallQueue();
    q.add({ callId: 'low-old', priorityTier: 0, enqueuedAt: 100 });
    q.add({ callId: 'high-a', priorityTier: 2, enqueuedAt: 500 });
    q.add({ callId: 'mid', priorityTier: 1, enqueuedAt: 50 });
    q.add({ callId: 'high-b', priorityTier: 2, enqueuedAt: 400 });
    expect(ids(q)).toEqual(['high-b', 'high-a', 'mid', 'low-old']);
  });

  it('given the same tier and the same instant when they queue then the call id breaks the tie, whatever the insert order', () => {
    const a = new CallQueue();
    const b = new CallQueue();
    for (const id of ['c-b', 'c-c', 'c-a']) a.add({ callId: id, priorityTier: 0, enqueuedAt: 100 });
    for (const id of ['c-a', 'c-c', 'c-b']) b.add({ callId: id, priorityTier: 0, enqueuedAt: 100 });
    expect(ids(a)).toEqual(['c-a', 'c-b', 'c-c']);
    expect(ids(b)).toEqual(ids(a));
  });

  it('given a caller already queued when added again then the queue is unchanged (their place is kept)', () => {
    const q = new CallQueue();
    q.add({ callId: 'c1', priorityTier: 0, enqueuedAt: 100 });
    q.add({ callId: 'c2', priorityTier: 0, enqueuedAt: 200 });
    q.add({ callId: 'c1', priorityTier: 0, enqueuedAt: 999 });
    expect(ids(q)).toEqual(['c1', 'c2']);
    expect(q.size).toBe(2);
  });

  it('given queued callers when one is removed then the others keep their order and positions close up', () => {
    const q = new CallQueue();
    for (const [id, t] of [['c1', 1], ['c2', 2], ['c3', 3], ['c4', 4]] as const) q.add({ callId: id, priorityTier: 0, enqueuedAt: t });
    expect(q.remove('c2')).toBe(true);
    expect(q.remove('c2')).toBe(false);
    expect(q.remove('nobody')).toBe(false);
    expect(ids(q)).toEqual(['c1', 'c3', 'c4']);
    expect(q.has('c2')).toBe(false);
    expect(q.positionOf('c1')).toBe(1);
    expect(q.positionOf('c3')).toBe(2);
    expect(q.positionOf('c4')).toBe(3);
    expect(q.positionOf('c2')).toBe(0);
  });

  it('given an emptied queue then head is undefined and size 0; a removed caller can queue again at their old place', () => {
    const q = new CallQueue();
    q.add({ callId: 'c1', priorityTier: 0, enqueuedAt: 100 });
    q.add({ callId: 'c2', priorityTier: 0, enqueuedAt: 200 });
    q.remove('c1');
    q.remove('c2');
    expect(q.head()).toBeUndefined();
    expect(q.size).toBe(0);
    q.add({ callId: 'c2', priorityTier: 0, enqueuedAt: 200 });
    q.add({ callId: 'c1', priorityTier: 0, enqueuedAt: 100 });
    expect(ids(q)).toEqual(['c1', 'c2']);
  });

  it('given many random inserts and removals then the list always equals a full sort by (tier desc, enqueuedAt, id)', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const q = new CallQueue();
    const model = new Map<string, { callId: string; priorityTier: number; enqueuedAt: number }>();
    for (let i = 0; i < 2000; i++) {
      if (rand() < 0.35 && model.size > 0) {
        const victim = [...model.keys()][Math.floor(rand() * model.size)];
        model.delete(victim);
        q.remove(victim);
      } else {
        const e = { callId: `c${Math.floor(rand() * 300)}`, priorityTier: Math.floor(rand() * 3), enqueuedAt: Math.floor(rand() * 50) };
        if (!model.has(e.callId)) model.set(e.callId, e);
        q.add(e);
      }
      if (i % 97 === 0) {
        const sorted = [...model.values()].sort((a, b) => b.priorityTier - a.priorityTier || a.enqueuedAt - b.enqueuedAt || (a.callId < b.callId ? -1 : 1));
        expect(ids(q)).toEqual(sorted.map((e) => e.callId));
        for (const [n, e] of sorted.entries()) expect(q.positionOf(e.callId)).toBe(n + 1);
      }
    }
  });
});

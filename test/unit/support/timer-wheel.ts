/**
 * A fake clock and timer wheel for the pure switchboard: timers are commands, so the wheel only
 * records due times and hands back the due keys in order (earliest first, then start order).
 * Starting a key that is running replaces it, as the Node adapter does.
 */
export class FakeClock {
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  set(t: number): void {
    if (t < this.current) throw new Error(`the clock runs forward only: ${t} < ${this.current}`);
    this.current = t;
  }
}

interface Pending {
  due: number;
  seq: number;
}

export class TimerWheel {
  private readonly running = new Map<string, Pending>();
  private seq = 0;

  start(key: string, ms: number, now: number): void {
    this.running.set(key, { due: now + Math.max(0, ms), seq: this.seq++ });
  }

  cancel(key: string): void {
    this.running.delete(key);
  }

  has(key: string): boolean {
    return this.running.has(key);
  }

  dueAt(key: string): number | undefined {
    return this.running.get(key)?.due;
  }

  keys(): string[] {
    return [...this.running.keys()];
  }

  /** The next timer due at or before `until`, removed from the wheel; undefined if none. */
  takeNextDue(until: number): { key: string; due: number } | undefined {
    let best: { key: string; due: number; seq: number } | undefined;
    for (const [key, p] of this.running) {
      if (p.due > until) continue;
      if (!best || p.due < best.due || (p.due === best.due && p.seq < best.seq)) best = { key, ...p };
    }
    if (!best) return undefined;
    this.running.delete(best.key);
    return { key: best.key, due: best.due };
  }
}

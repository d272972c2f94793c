import type { Clock, Timers } from '../../ports/clock';

export const systemClock: Clock = { now: () => Date.now() };

/** Timers on Node's setTimeout; restarting a key replaces the running timer. */
export class NodeTimers implements Timers {
  private readonly running = new Map<string, NodeJS.Timeout>();

  start(key: string, ms: number, fire: () => void): void {
    this.cancel(key);
    const handle = setTimeout(() => {
      this.running.delete(key);
      fire();
    }, Math.max(0, ms));
    this.running.set(key, handle);
  }

  cancel(key: string): void {
    const handle = this.running.get(key);
    if (handle) {
      clearTimeout(handle);
      this.running.delete(key);
    }
  }

  cancelAll(): void {
    for (const handle of this.running.values()) clearTimeout(handle);
    this.running.clear();
  }

  get size(): number {
    return this.running.size;
  }
}

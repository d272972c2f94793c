export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Named one-shot timers; starting a key that runs restarts it. */
export interface Timers {
  start(key: string, ms: number, fire: () => void): void;
  cancel(key: string): void;
  cancelAll(): void;
}

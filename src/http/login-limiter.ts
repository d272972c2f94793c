/**
 * Login rate limiting, in process: failed logins are counted per IP + email in a sliding window;
 * past the limit, logins for that key are refused (429) until the window moves on. A successful
 * login clears its key. One Switchboard process serves the API, so no shared store is needed.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly opts: { maxFailures: number; windowMs: number; now: () => number },
  ) {}

  /** Milliseconds until another attempt is allowed; 0 when allowed now. */
  retryAfterMs(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.opts.maxFailures) return 0;
    return recent[recent.length - this.opts.maxFailures]! + this.opts.windowMs - this.opts.now();
  }

  failed(key: string): void {
    const recent = this.recent(key);
    recent.push(this.opts.now());
    this.failures.set(key, recent);
    if (this.failures.size > 10_000) this.sweep();
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.opts.now() - this.opts.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  private sweep(): void {
    for (const key of [...this.failures.keys()]) {
      const recent = this.recent(key);
      if (recent.length === 0) this.failures.delete(key);
      else this.failures.set(key, recent);
    }
  }
}

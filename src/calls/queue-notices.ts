import type { Switchboard } from '../domain/switchboard';
import type { Notifier } from '../ports/notifier';

/**
 * The waiting queue as consoles see it: one whole snapshot at most every 200 ms, however many
 * calls changed, so a burst of arrivals sends one notice.
 */
export class QueueNotices {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly notifier: Notifier,
    /** The live switchboard (a resync replaces it). */
    private readonly calls: () => Pick<Switchboard, 'waiting'>,
  ) {}

  /** A call was saved or dropped: a notice follows shortly. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.notifier.publish({
        type: 'queue',
        waiting: this.calls()
          .waiting()
          .map((c) => ({
            callId: c.id,
            clientId: c.clientId,
            callerName: c.caller.name,
            callerNumber: c.caller.number,
            waitingSince: c.arrivedAt,
          })),
      });
    }, 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

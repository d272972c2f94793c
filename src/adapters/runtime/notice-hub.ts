import type { Notifier, SwitchboardNotice } from '../../ports/notifier';

type Listener = (notice: SwitchboardNotice) => void;

/** In-process fan-out of live notices to HTTP subscribers (server-sent events). */
export class NoticeHub implements Notifier {
  private readonly listeners = new Set<Listener>();

  publish(notice: SwitchboardNotice): void {
    for (const listener of this.listeners) {
      try {
        listener(notice);
      } catch {
        this.listeners.delete(listener); // a broken subscriber must not break the call path
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}

import type { CallId } from './model';

export interface QueueEntry {
  callId: CallId;
  priorityTier: number;
  /** The caller's place: when they first entered the queue (kept across re-offers and restarts). */
  enqueuedAt: number;
}

function comesBefore(a: QueueEntry, b: QueueEntry): boolean {
  if (a.priorityTier !== b.priorityTier) return a.priorityTier > b.priorityTier;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  return a.callId < b.callId;
}

/**
 * Waiting callers in service order: higher priority tier first, then longest wait.
 * Kept sorted on insert (binary search), so the head is O(1) and ordering never drifts.
 */
export class CallQueue {
  private readonly entries: QueueEntry[] = [];
  private readonly members = new Set<CallId>();

  get size(): number {
    return this.entries.length;
  }

  has(callId: CallId): boolean {
    return this.members.has(callId);
  }

  add(entry: QueueEntry): void {
    if (this.members.has(entry.callId)) return;
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comesBefore(this.entries[mid], entry)) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, entry);
    this.members.add(entry.callId);
  }

  remove(callId: CallId): boolean {
    if (!this.members.delete(callId)) return false;
    const index = this.entries.findIndex((e) => e.callId === callId);
    if (index >= 0) this.entries.splice(index, 1);
    return true;
  }

  head(): QueueEntry | undefined {
    return this.entries[0];
  }

  /** 1-based position of a waiting caller, or 0 when not waiting. */
  positionOf(callId: CallId): number {
    if (!this.members.has(callId)) return 0;
    return this.entries.findIndex((e) => e.callId === callId) + 1;
  }

  list(): readonly QueueEntry[] {
    return this.entries;
  }
}

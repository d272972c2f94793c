import type { CallSnapshot } from '../domain/messages';
import type { ReceptionistSnapshot } from '../domain/receptionist';

/**
 * What must survive a Switchboard restart and that Asterisk cannot tell us: each live call's
 * place in line (enqueuedAt, tier), its client, the receptionist states and idle-since (Redis).
 * Writes are queued in order and pipelined, so the call path never waits on them.
 */
export interface LiveStateStore {
  saveCall(call: CallSnapshot): void;
  dropCall(callId: string): void;
  saveReceptionist(receptionist: ReceptionistSnapshot): void;
  load(): Promise<{ calls: CallSnapshot[]; receptionists: ReceptionistSnapshot[] }>;
  /** Resolves when every write queued so far has reached the store. */
  flush(): Promise<void>;
}

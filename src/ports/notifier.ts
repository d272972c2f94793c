import type { ScreenPop } from '../domain/messages';
import type { ReceptionistSnapshot } from '../domain/receptionist';

export type SwitchboardNotice =
  | { type: 'screen-pop'; pop: ScreenPop }
  | { type: 'receptionist'; receptionist: ReceptionistSnapshot }
  | { type: 'queue'; waiting: Array<{ callId: string; clientId: string; callerName: string; callerNumber: string; waitingSince: number }> }
  /** A client's greeting, status, contacts, hours or after-hours handling changed (the portal). */
  | { type: 'client-changed'; clientId: string }
  /** An announcement was published or withdrawn. */
  | { type: 'announcements-changed' };

/** Live updates for consoles (screen pops, states, the queue). */
export interface Notifier {
  publish(notice: SwitchboardNotice): void;
}

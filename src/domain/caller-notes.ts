/**
 * Notes about the caller for the receptionist's screen: the caller lists' verdict and label
 * ("VIP: Mrs Jones, the owner's mother") and earlier calls to this client. Pure.
 */
import { classifyCaller, type CallerClass, type CallerListEntry } from './caller-screening';

export interface CallerNote {
  callerClass: CallerClass;
  /** What staff noted on the list entry; '' with none. */
  label: string;
  previousCalls: number;
  lastCallAt: number | null;
  lastOutcome: string | null;
}

export function callerNote(
  callerNumber: string,
  clientId: string,
  entries: readonly CallerListEntry[],
  history: { count: number; last: { at: number; outcome: string | null } | null },
): CallerNote {
  const c = classifyCaller(callerNumber, clientId, entries);
  const anonymous = c.callerClass === 'anonymous';
  return {
    callerClass: c.callerClass,
    label: c.label,
    // A withheld number says nothing about who called before.
    previousCalls: anonymous ? 0 : history.count,
    lastCallAt: anonymous ? null : (history.last?.at ?? null),
    lastOutcome: anonymous ? null : (history.last?.outcome ?? null),
  };
}

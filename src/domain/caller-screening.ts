/**
 * Who is calling: known, VIP or blocked (spam), from per-client and company-wide lists. Pure.
 *
 * Precedence: the client's own entry for a number wins over the company-wide one (a client can
 * mark a number the company lists as spam as a known caller); with no client entry, the
 * company-wide entry applies.
 */

export type CallerListKind = 'known' | 'vip' | 'blocked';

export interface CallerListEntry {
  /** null: company-wide. */
  clientId: string | null;
  number: string;
  kind: CallerListKind;
  /** Free text the staff noted, e.g. "Mrs Jones (owner's mother)". */
  label: string;
}

export type CallerClass = 'vip' | 'known' | 'blocked' | 'unknown' | 'anonymous';

export interface CallerClassification {
  callerClass: CallerClass;
  known: boolean;
  vip: boolean;
  blocked: boolean;
  /** Which list decided: the client's, the company's, or none. */
  scope: 'client' | 'company' | 'none';
  label: string;
}

/** What trunks and Asterisk put in the caller number when there is none to show. */
const WITHHELD = new Set(['', 'unknown', 'anonymous', 'restricted', 'private', 'unavailable', 'withheld']);

export function isWithheldNumber(callerNumber: string): boolean {
  const trimmed = callerNumber.trim().toLowerCase();
  return WITHHELD.has(trimmed) || !/[0-9]/.test(trimmed);
}

/** A number as trunks send it: digits, with an optional + and common separators. Anything else is not looked up. */
export function isPlausibleCallerNumber(callerNumber: string): boolean {
  return /^\+?[0-9][0-9 ().-]{0,29}$/.test(callerNumber.trim());
}

const RANK: Record<CallerListKind, number> = { blocked: 3, vip: 2, known: 1 };

function strongest(entries: CallerListEntry[]): CallerListEntry | null {
  return entries.reduce<CallerListEntry | null>((best, e) => (!best || RANK[e.kind] > RANK[best.kind] ? e : best), null);
}

/** `entries` are the list entries for this caller's number (any client); others are ignored by scope. */
export function classifyCaller(callerNumber: string, clientId: string | null, entries: readonly CallerListEntry[]): CallerClassification {
  const nobody = { known: false, vip: false, blocked: false, scope: 'none' as const, label: '' };
  if (isWithheldNumber(callerNumber)) return { callerClass: 'anonymous', ...nobody };
  // Spoofed junk such as `5035551234" x` must not borrow a listed number's digits.
  if (!isPlausibleCallerNumber(callerNumber)) return { callerClass: 'unknown', ...nobody };
  const own = clientId === null ? null : strongest(entries.filter((e) => e.clientId === clientId));
  const company = strongest(entries.filter((e) => e.clientId === null));
  const decisive = own ?? company;
  if (!decisive) return { callerClass: 'unknown', ...nobody };
  return {
    callerClass: decisive.kind,
    // A VIP is known too; a blocked caller is neither.
    known: decisive.kind !== 'blocked',
    vip: decisive.kind === 'vip',
    blocked: decisive.kind === 'blocked',
    scope: own ? 'client' : 'company',
    label: decisive.label,
  };
}

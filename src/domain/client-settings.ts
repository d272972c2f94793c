/**
 * What a client may set about itself in the portal (docs/portal.md), checked before anything is
 * stored. Pure: the input, the client's allow-list and the transfer policy come in; a clean value
 * or a refusal with a stable code comes out.
 *
 * Text is stored as written (HTML such as `<script>` included: every reader renders it as text);
 * control characters are refused, since greetings and statuses reach consoles and the dialplan.
 */
import type { Actor } from './access';
import { isAllowedForwardTarget, isSafeSoundFile, type AfterHoursPolicy } from './after-hours';
import { isValidTimeZone, minutesOfDay, type Closure, type IsoWeekday, type OpeningInterval } from './business-hours';
import { listableNumber, toE164, type AllowRule, type ClientContact, type ContactAvailability, type DestinationPolicy } from './destinations';

export const STATUS_INSTRUCTIONS = ['none', 'voicemail-all', 'screen-all', 'take-message'] as const;
/** What receptionists are asked to do with calls while a status is posted. */
export type StatusInstruction = (typeof STATUS_INSTRUCTIONS)[number];

export type SettingsErrorCode =
  | 'bad-greeting'
  | 'bad-status'
  | 'bad-window'
  | 'bad-contact'
  | 'destination-not-allowed'
  | 'bad-time-zone'
  | 'bad-hours'
  | 'bad-closures'
  | 'bad-after-hours';

export type Checked<T> = { ok: true; value: T } | { ok: false; status: 400 | 422; code: SettingsErrorCode; message: string };

const refuse = (code: SettingsErrorCode, message: string, status: 400 | 422 = 400): { ok: false; status: 400 | 422; code: SettingsErrorCode; message: string } => ({
  ok: false,
  status,
  code,
  message,
});

export const LIMITS = { greeting: 300, statusText: 500, contactName: 120, note: 500, hours: 21, closures: 100, closureLabel: 200 } as const;

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators; a line feed is allowed where noted.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_OR_LF = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Trimmed text of 1..max characters (0..max when `optional`), without control characters. */
function cleanText(raw: string, max: number, opts: { what: string; code: SettingsErrorCode; lineBreaks?: boolean; optional?: boolean }): Checked<string> {
  const text = raw.trim();
  if (!opts.optional && text.length === 0) return refuse(opts.code, `${opts.what} is empty`);
  if (text.length > max) return refuse(opts.code, `${opts.what} is longer than ${max} characters`);
  if ((opts.lineBreaks ? CONTROL : CONTROL_OR_LF).test(text)) return refuse(opts.code, `${opts.what} contains control characters`);
  return { ok: true, value: text };
}

export function checkGreeting(raw: string): Checked<string> {
  return cleanText(raw, LIMITS.greeting, { what: 'the greeting', code: 'bad-greeting' });
}

// ---- status ---------------------------------------------------------------------------------

export interface StatusInput {
  text: string;
  instruction: StatusInstruction;
  /** ISO date-time; absent or null: from now. */
  startsAt?: string | null;
  /** ISO date-time; absent or null: until removed. */
  endsAt?: string | null;
}

export interface PostedStatus {
  text: string;
  instruction: StatusInstruction;
  /** ms since the epoch; null: from when it was posted. */
  startsAt: number | null;
  /** ms since the epoch; null: until removed. */
  endsAt: number | null;
}

/** A status to post at `nowMs`: its window must end after it starts and in the future. */
export function checkStatus(input: StatusInput, nowMs: number): Checked<PostedStatus> {
  const text = cleanText(input.text, LIMITS.statusText, { what: 'the status', code: 'bad-status', lineBreaks: true });
  if (!text.ok) return text;
  if (!(STATUS_INSTRUCTIONS as readonly string[]).includes(input.instruction)) return refuse('bad-status', 'unknown instruction');
  const startsAt = input.startsAt == null ? null : Date.parse(input.startsAt);
  const endsAt = input.endsAt == null ? null : Date.parse(input.endsAt);
  if (Number.isNaN(startsAt) || Number.isNaN(endsAt)) return refuse('bad-window', 'startsAt and endsAt must be ISO date-times');
  if (endsAt !== null && endsAt <= nowMs) return refuse('bad-window', 'endsAt must be in the future');
  if (endsAt !== null && startsAt !== null && endsAt <= startsAt) return refuse('bad-window', 'endsAt must be after startsAt');
  return { ok: true, value: { text: text.value, instruction: input.instruction, startsAt, endsAt } };
}

/** Is the status in force at `atMs`: within [startsAt, endsAt)? */
export function statusActive(status: { startsAt: number | null; endsAt: number | null }, atMs: number): boolean {
  return (status.startsAt === null || status.startsAt <= atMs) && (status.endsAt === null || atMs < status.endsAt);
}

// ---- contacts -------------------------------------------------------------------------------

export interface ContactInput {
  name: string;
  number?: string | null;
  extension?: string | null;
  alwaysScreen: boolean;
  availability: ContactAvailability;
  note: string;
}

const CONTACT_CODE = /^[0-9]{1,6}$/;
const AVAILABILITY: readonly ContactAvailability[] = ['available', 'away', 'voicemail-only'];

/**
 * A contact as the client wants it: a number or an extension, never both. A number must pass the
 * toll-fraud rule of an ad-hoc transfer (src/domain/destinations.ts), since receptionists will
 * transfer callers to it; an extension must be an internal one.
 */
export function checkContact(code: string, input: ContactInput, allow: readonly AllowRule[], policy: DestinationPolicy): Checked<ClientContact> {
  if (!CONTACT_CODE.test(code)) return refuse('bad-contact', 'a contact code is 1 to 6 digits');
  const name = cleanText(input.name, LIMITS.contactName, { what: 'the name', code: 'bad-contact' });
  if (!name.ok) return name;
  const note = cleanText(input.note, LIMITS.note, { what: 'the note', code: 'bad-contact', lineBreaks: true, optional: true });
  if (!note.ok) return note;
  if (!AVAILABILITY.includes(input.availability)) return refuse('bad-contact', 'unknown availability');
  const number = input.number ?? null;
  const extension = input.extension ?? null;
  if ((number === null) === (extension === null)) return refuse('bad-contact', 'give exactly one of number and extension');
  if (extension !== null && !(/^[0-9]{1,10}$/.test(extension) && new RegExp(policy.extensionPattern).test(extension))) {
    return refuse('bad-contact', 'not an internal extension');
  }
  if (number !== null) {
    const listable = listableNumber(number, allow, policy);
    if (!listable.ok) return listable.code === 'destination-not-allowed' ? refuse('destination-not-allowed', listable.message, 422) : refuse('bad-contact', listable.message);
  }
  return {
    ok: true,
    value: { code, name: name.value, number, extension, alwaysScreen: input.alwaysScreen, availability: input.availability, note: note.value },
  };
}

// ---- hours and closures ---------------------------------------------------------------------

export interface HoursInput {
  timeZone: string;
  hours: Array<{ weekday: number; opens: string; closes: string }>;
}

/** What the clients table accepts as a zone name (migrations/1763900000000_dialplan-lookups.sql). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+/-]{0,63}$/;
const OPENS = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const CLOSES = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

/** The zone's canonical IANA name (as Intl spells it), or null when Intl does not know it. */
export function canonicalTimeZone(raw: string): string | null {
  if (!ZONE_NAME.test(raw) || !isValidTimeZone(raw)) return null;
  const name = new Intl.DateTimeFormat('en-US', { timeZone: raw }).resolvedOptions().timeZone;
  return ZONE_NAME.test(name) ? name : null;
}

/** The weekly hours: at most 21 intervals, each opening before it closes, none overlapping on a day. */
export function checkHours(input: HoursInput): Checked<{ timeZone: string; hours: OpeningInterval[] }> {
  const timeZone = canonicalTimeZone(input.timeZone);
  if (!timeZone) return refuse('bad-time-zone', `unknown time zone ${JSON.stringify(input.timeZone.slice(0, 64))}`);
  if (input.hours.length > LIMITS.hours) return refuse('bad-hours', `at most ${LIMITS.hours} intervals`);
  const hours: OpeningInterval[] = [];
  for (const h of input.hours) {
    if (!Number.isInteger(h.weekday) || h.weekday < 1 || h.weekday > 7) return refuse('bad-hours', 'weekday is 1 (Monday) to 7 (Sunday)');
    if (!OPENS.test(h.opens) || !CLOSES.test(h.closes)) return refuse('bad-hours', 'times are HH:MM (closes may be 24:00)');
    if (minutesOfDay(h.opens) >= minutesOfDay(h.closes)) return refuse('bad-hours', `opens ${h.opens} is not before closes ${h.closes}`);
    hours.push({ weekday: h.weekday as IsoWeekday, opens: h.opens, closes: h.closes });
  }
  hours.sort((a, b) => a.weekday - b.weekday || minutesOfDay(a.opens) - minutesOfDay(b.opens));
  for (let i = 1; i < hours.length; i++) {
    const [prev, next] = [hours[i - 1], hours[i]];
    if (prev.weekday === next.weekday && minutesOfDay(next.opens) < minutesOfDay(prev.closes)) {
      return refuse('bad-hours', `${prev.opens}-${prev.closes} and ${next.opens}-${next.closes} overlap on weekday ${next.weekday}`);
    }
  }
  return { ok: true, value: { timeZone, hours } };
}

/** A real calendar date `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 && y <= 9999 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Closures: at most 100, real dates, lastDay not before firstDay, one per first day. */
export function checkClosures(list: readonly Closure[]): Checked<Closure[]> {
  if (list.length > LIMITS.closures) return refuse('bad-closures', `at most ${LIMITS.closures} closures`);
  const out: Closure[] = [];
  const firstDays = new Set<string>();
  for (const c of list) {
    if (!isCalendarDate(c.firstDay) || !isCalendarDate(c.lastDay)) return refuse('bad-closures', 'days are calendar dates YYYY-MM-DD');
    if (c.lastDay < c.firstDay) return refuse('bad-closures', `lastDay ${c.lastDay} is before firstDay ${c.firstDay}`);
    if (firstDays.has(c.firstDay)) return refuse('bad-closures', `two closures start on ${c.firstDay}`);
    firstDays.add(c.firstDay);
    const label = cleanText(c.label, LIMITS.closureLabel, { what: 'a label', code: 'bad-closures', optional: true });
    if (!label.ok) return label;
    out.push({ firstDay: c.firstDay, lastDay: c.lastDay, label: label.value });
  }
  out.sort((a, b) => (a.firstDay < b.firstDay ? -1 : 1));
  return { ok: true, value: out };
}

// ---- after hours ----------------------------------------------------------------------------

export interface AfterHoursInput {
  action: AfterHoursPolicy['action'];
  announcement?: string | null;
  forwardTo?: string | null;
  forwardAllowed?: boolean;
}

/** Only company staff may let a client forward calls out (it costs the company money). */
export function mayAllowForwarding(actor: Actor | null): boolean {
  return actor !== null && (actor.kind === 'service' || actor.role === 'admin');
}

/** Who did something, as stored (`handled_by`, `posted_by`): a user id, or `service`. */
export function actorName(actor: Actor | null): string {
  return actor?.kind === 'user' ? actor.userId : 'service';
}

/**
 * The after-hours handling (a PUT: an omitted announcement or forwardTo is cleared). The chosen
 * action must have what it needs; an announcement is a sound file name and a forward target a
 * phone number (nothing a dialplan could misread), which must pass the toll-fraud rule too.
 * `forwardAllowed` absent: unchanged (the caller checks who may set it).
 */
export function checkAfterHours(
  input: AfterHoursInput,
  allow: readonly AllowRule[],
  policy: DestinationPolicy,
): Checked<Omit<AfterHoursPolicy, 'forwardAllowed'> & { forwardAllowed?: boolean }> {
  if (!['voicemail', 'announcement', 'forward'].includes(input.action)) return refuse('bad-after-hours', 'unknown action');
  const announcement = input.announcement ?? null;
  if (announcement !== null && !isSafeSoundFile(announcement)) {
    return refuse('bad-after-hours', 'an announcement is a sound file name: letters, digits, _ - / and .');
  }
  let forwardTo: string | null = null;
  if (input.forwardTo != null) {
    if (!isAllowedForwardTarget(input.forwardTo)) return refuse('bad-after-hours', 'a forward target is a phone number: digits and a leading +');
    const parsed = toE164(input.forwardTo, policy);
    if (!parsed.ok) return refuse('bad-after-hours', `a forward target is a phone number: ${parsed.message}`);
    const listable = listableNumber(parsed.e164, allow, policy);
    if (!listable.ok) return listable.code === 'destination-not-allowed' ? refuse('destination-not-allowed', listable.message, 422) : refuse('bad-after-hours', listable.message);
    forwardTo = parsed.e164;
  }
  if (input.action === 'announcement' && announcement === null) return refuse('bad-after-hours', 'the announcement action needs an announcement');
  if (input.action === 'forward' && forwardTo === null) return refuse('bad-after-hours', 'the forward action needs forwardTo');
  const value = { action: input.action, announcement, forwardTo };
  return { ok: true, value: input.forwardAllowed === undefined ? value : { ...value, forwardAllowed: input.forwardAllowed } };
}

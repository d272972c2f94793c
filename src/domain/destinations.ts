/**
 * Where a receptionist may send a caller. Safety first: a transfer reaches only what the client
 * allows (its contacts, internal extensions, its allow-list), and no value from a phone or an
 * API body reaches a dial string unchecked. Pure: the client's rules and the policy come in, a
 * decision comes out.
 *
 * - A number is E.164 (`+` then 8-15 digits, the first not 0) or a national number of the home
 *   country (digits only, 7-14, no leading 0, 00 or 011: international numbers are written with
 *   `+`). An extension is digits only and matches the extension pattern.
 * - Anything else is refused as `invalid-destination` before any other rule: `&`, `,`, `/`, `@`,
 *   `${`, CR/LF, spaces, letters... every character but digits and one leading `+`.
 * - International (a country code other than the home one) and premium-rate numbers are refused
 *   unless an allow-list entry that matches them says so; a domestic number is refused unless a
 *   contact or an allow-list entry covers it (`destination-not-allowed`).
 */

export type ContactAvailability = 'available' | 'away' | 'voicemail-only';

export interface ClientContact {
  /** Short digits the receptionist keys after `##` (or gives to the API). */
  code: string;
  name: string;
  /** E.164, or null when the contact is an internal extension. */
  number: string | null;
  extension: string | null;
  /** Calls to this contact must be announced: a blind transfer is refused. */
  alwaysScreen: boolean;
  availability: ContactAvailability;
  note: string;
}

/** One allow-list entry: an E.164 prefix (`+1503555`) or an exact number. */
export interface AllowRule {
  pattern: string;
  exact: boolean;
  international: boolean;
  premium: boolean;
}

export interface ClientTransferRules {
  contacts: ClientContact[];
  allow: AllowRule[];
}

export interface DestinationPolicy {
  /** Country code of the home country, digits (`1` for NANP). */
  homeCountryCode: string;
  /** E.164 prefixes without `+` that are premium-rate (e.g. `1900`, `1976`, `449`). */
  premiumPrefixes: string[];
  /** Internal extensions: digits matching this (e.g. `^[0-9]{2,6}$`). */
  extensionPattern: string;
}

export const DEFAULT_DESTINATION_POLICY: DestinationPolicy = {
  homeCountryCode: '1',
  premiumPrefixes: ['1900', '1976', '449'],
  extensionPattern: '^[0-9]{2,6}$',
};

export type TransferRequest = { contactCode: string } | { number: string } | { extension: string };

export type Destination =
  | { kind: 'number'; e164: string; contact: ClientContact | null }
  | { kind: 'extension'; extension: string; contact: ClientContact | null };

export type RefusalCode = 'invalid-destination' | 'destination-not-allowed' | 'no-such-contact' | 'contact-unavailable' | 'screening-required';

export type DestinationDecision =
  | { ok: true; destination: Destination }
  | { ok: false; code: RefusalCode; message: string; /** Offer voicemail instead (the contact is away). */ voicemailOffered?: boolean };

export interface DialTemplates {
  /** `{number}` is replaced by the E.164 number (with `+`). */
  number: string;
  /** `{ext}` is replaced by the extension. */
  extension: string;
}

const MAX_RAW = 32;
const E164 = /^\+[1-9][0-9]{7,14}$/;
const DIGITS = /^[0-9]+$/;

const refuse = (code: RefusalCode, message: string, voicemailOffered?: boolean): DestinationDecision =>
  voicemailOffered ? { ok: false, code, message, voicemailOffered } : { ok: false, code, message };

/** Why a raw value is not a clean digit string (null when it is one, a leading `+` allowed). */
export function rawProblem(raw: unknown, allowPlus: boolean): string | null {
  if (typeof raw !== 'string') return 'not text';
  if (raw.length === 0) return 'empty';
  if (raw.length > MAX_RAW) return 'too long';
  if (/[\r\n]/.test(raw)) return 'line breaks are not allowed';
  if (raw.includes('${')) return 'variables are not allowed';
  const bad = [...raw].find((ch, i) => !(/[0-9]/.test(ch) || (allowPlus && ch === '+' && i === 0)));
  if (bad !== undefined) return `character ${JSON.stringify(bad)} is not allowed`;
  return null;
}

/** A number as E.164, or why not. National numbers get the home country code. */
export function toE164(raw: string, policy: DestinationPolicy): { ok: true; e164: string } | { ok: false; message: string } {
  const problem = rawProblem(raw, true);
  if (problem) return { ok: false, message: `not a phone number: ${problem}` };
  if (raw.startsWith('+')) return E164.test(raw) ? { ok: true, e164: raw } : { ok: false, message: 'not an E.164 number (+ then 8-15 digits)' };
  if (raw.startsWith('00') || raw.startsWith('011')) return { ok: false, message: 'write international numbers in E.164 with +' };
  let national = raw;
  if (policy.homeCountryCode === '1' && national.length === 11 && national.startsWith('1')) national = national.slice(1);
  else if (policy.homeCountryCode !== '1' && national.startsWith('0')) national = national.slice(1);
  if (national.startsWith('0') || national.length < 7 || national.length > 14) return { ok: false, message: 'not a national number' };
  const e164 = `+${policy.homeCountryCode}${national}`;
  return E164.test(e164) ? { ok: true, e164 } : { ok: false, message: 'not a national number' };
}

export function isInternational(e164: string, policy: DestinationPolicy): boolean {
  return !e164.startsWith(`+${policy.homeCountryCode}`);
}

export function isPremium(e164: string, policy: DestinationPolicy): boolean {
  const digits = e164.slice(1);
  return policy.premiumPrefixes.some((p) => p !== '' && digits.startsWith(p));
}

function isExtension(raw: string, policy: DestinationPolicy): boolean {
  return DIGITS.test(raw) && raw.length <= 10 && new RegExp(policy.extensionPattern).test(raw);
}

function ruleMatches(rule: AllowRule, e164: string): boolean {
  if (!E164.test(rule.pattern) && !/^\+[0-9]{1,15}$/.test(rule.pattern)) return false;
  return rule.exact ? e164 === rule.pattern : e164.startsWith(rule.pattern);
}

/** Is this E.164 number allowed by the client's list? Contacts' exact numbers count as listed. */
function numberAllowed(e164: string, rules: ClientTransferRules, policy: DestinationPolicy): DestinationDecision {
  const international = isInternational(e164, policy);
  const premium = isPremium(e164, policy);
  const matching = rules.allow.filter((r) => ruleMatches(r, e164));
  const allowedBy = matching.find((r) => (!international || r.international) && (!premium || r.premium));
  if (allowedBy) return { ok: true, destination: { kind: 'number', e164, contact: null } };
  if (premium) return refuse('destination-not-allowed', 'premium-rate numbers are not allowed for this client');
  if (international) return refuse('destination-not-allowed', 'international numbers are not allowed for this client');
  return refuse('destination-not-allowed', 'this number is not on the client\'s list');
}

/**
 * May a client list this number as somewhere to send its callers (a contact's number, the
 * after-hours forward)? The toll-fraud rule of an ad-hoc transfer: an international or
 * premium-rate number needs a matching allow-list entry that says so. A domestic number is the
 * client's own choice (a listed contact counts as allowed when transferring).
 */
export function listableNumber(
  e164: string,
  allow: readonly AllowRule[],
  policy: DestinationPolicy,
): { ok: true } | { ok: false; code: 'invalid-destination' | 'destination-not-allowed'; message: string } {
  if (!E164.test(e164)) return { ok: false, code: 'invalid-destination', message: 'not an E.164 number (+ then 8-15 digits)' };
  if (!isInternational(e164, policy) && !isPremium(e164, policy)) return { ok: true };
  const decision = numberAllowed(e164, { contacts: [], allow: [...allow] }, policy);
  return decision.ok ? { ok: true } : { ok: false, code: 'destination-not-allowed', message: decision.message };
}

function contactDestination(contact: ClientContact, policy: DestinationPolicy): DestinationDecision {
  if (contact.availability !== 'available') {
    return refuse('contact-unavailable', `${contact.name} is ${contact.availability === 'away' ? 'away' : 'taking voicemail only'}; offer voicemail instead`, true);
  }
  if (contact.extension !== null) {
    if (!isExtension(contact.extension, policy)) return refuse('invalid-destination', 'the contact\'s extension is not valid');
    return { ok: true, destination: { kind: 'extension', extension: contact.extension, contact } };
  }
  if (contact.number !== null && E164.test(contact.number)) {
    // A contact's own number is an exact entry the client made: it is allowed as listed.
    return { ok: true, destination: { kind: 'number', e164: contact.number, contact } };
  }
  return refuse('invalid-destination', 'the contact has no valid number');
}

/**
 * Decides a transfer request (`mode` blind: contacts that must be screened are refused).
 * `fromPhone`: a target keyed after `##`: a contact code if one matches, else an extension, else a
 * number (a leading `*` stands for `+`).
 */
export function decideDestination(
  request: TransferRequest | { keyed: string },
  rules: ClientTransferRules,
  policy: DestinationPolicy,
  opts: { screened?: boolean } = {},
): DestinationDecision {
  const decision = decide(request, rules, policy);
  if (decision.ok && decision.destination.contact?.alwaysScreen && !opts.screened) {
    return refuse('screening-required', `${decision.destination.contact.name} must be announced: use an announced transfer`);
  }
  return decision;
}

function decide(request: TransferRequest | { keyed: string }, rules: ClientTransferRules, policy: DestinationPolicy): DestinationDecision {
  if ('keyed' in request) {
    const raw = request.keyed.startsWith('*') ? `+${request.keyed.slice(1)}` : request.keyed;
    const problem = rawProblem(raw, true);
    if (problem) return refuse('invalid-destination', `not a destination: ${problem}`);
    const contact = rules.contacts.find((c) => c.code === raw);
    if (contact) return contactDestination(contact, policy);
    if (isExtension(raw, policy)) return { ok: true, destination: { kind: 'extension', extension: raw, contact: null } };
    return decide({ number: raw }, rules, policy);
  }
  if ('contactCode' in request) {
    const problem = rawProblem(request.contactCode, false);
    if (problem) return refuse('invalid-destination', `not a contact code: ${problem}`);
    const contact = rules.contacts.find((c) => c.code === request.contactCode);
    return contact ? contactDestination(contact, policy) : refuse('no-such-contact', 'the client has no contact with that code');
  }
  if ('extension' in request) {
    const problem = rawProblem(request.extension, false);
    if (problem) return refuse('invalid-destination', `not an extension: ${problem}`);
    if (!isExtension(request.extension, policy)) return refuse('invalid-destination', 'not an internal extension');
    const contact = rules.contacts.find((c) => c.extension === request.extension) ?? null;
    if (contact) return contactDestination(contact, policy);
    return { ok: true, destination: { kind: 'extension', extension: request.extension, contact: null } };
  }
  const parsed = toE164(request.number, policy);
  if (!parsed.ok) return refuse('invalid-destination', parsed.message);
  const contact = rules.contacts.find((c) => c.number === parsed.e164);
  if (contact) return contactDestination(contact, policy);
  return numberAllowed(parsed.e164, rules, policy);
}

/** What to write in the timeline for a destination (never more than the checked value). */
export function describeDestination(d: Destination): string {
  return d.kind === 'number' ? d.e164 : `ext ${d.extension}`;
}

/** The ARI dial string; the value is checked once more here, whatever was decided before. */
export function dialString(d: Destination, templates: DialTemplates): string {
  if (d.kind === 'number') {
    if (!E164.test(d.e164)) throw new Error('refusing to dial an unchecked number');
    return templates.number.split('{number}').join(d.e164);
  }
  if (!/^[0-9]{1,10}$/.test(d.extension)) throw new Error('refusing to dial an unchecked extension');
  return templates.extension.split('{ext}').join(d.extension);
}

/** A raw request as it may be written to the timeline: printable and bounded. */
export function requestForLog(request: TransferRequest | { keyed: string }): string {
  const [kind, value] = Object.entries(request)[0] ?? ['?', ''];
  const text = typeof value === 'string' ? value : String(value);
  return `${kind}:${text.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 40)}`;
}

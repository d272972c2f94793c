/**
 * The Stasis argument forms Switchboard accepts: the one list both the dialplan checker
 * (`npm run dialplan:check`) and the call server read, so a form cannot be added on one side only.
 * Pure: no Node, no I/O. `Stasis(switchboard,<args>)` gives ARI `StasisStart.args` = <args>.
 */

/** A literal word, or a value that varies per call (`<did>`), with what a literal value must look like. */
export type StasisArg = string | { readonly name: string; readonly literal: RegExp };

export interface StasisArgForm {
  /** As written in the dialplan, e.g. `feature,pause,<reason-code>`. */
  readonly form: string;
  readonly args: readonly StasisArg[];
  readonly meaning: string;
}

const did = { name: 'did', literal: /^\+?[0-9]{0,20}$/ };
const reasonCode = { name: 'reason-code', literal: /^[0-9]{0,4}$/ };
const slot = { name: 'slot', literal: /^[0-9]{1,4}$/ };

export const STASIS_ARG_FORMS: readonly StasisArgForm[] = [
  { form: 'inbound,<did>', args: ['inbound', did], meaning: 'a caller from the trunk; <did> is the dialled number (digits and +, may be empty)' },
  { form: 'feature,login', args: ['feature', 'login'], meaning: 'an idle desk phone: log its receptionist in' },
  { form: 'feature,logout', args: ['feature', 'logout'], meaning: 'an idle desk phone: log its receptionist out' },
  { form: 'feature,pause,<reason-code>', args: ['feature', 'pause', reasonCode], meaning: 'an idle desk phone: pause, with the digits keyed after the code (empty: no reason)' },
  { form: 'feature,unpause', args: ['feature', 'unpause'], meaning: 'an idle desk phone: available again' },
  { form: 'feature,next', args: ['feature', 'next'], meaning: 'an idle desk phone: take the next waiting caller now' },
  { form: 'feature,retrieve,<slot>', args: ['feature', 'retrieve', slot], meaning: 'an idle desk phone: take the call parked in <slot>' },
];

export type FeatureName = 'login' | 'logout' | 'pause' | 'unpause' | 'next' | 'retrieve';

/** What a channel entering the Stasis app asked for, read from `StasisStart.args`. */
export type StasisEntry =
  | { kind: 'inbound'; did: string }
  | { kind: 'feature'; feature: 'login' | 'logout' | 'unpause' | 'next' }
  | { kind: 'feature'; feature: 'pause'; reasonCode: string }
  | { kind: 'feature'; feature: 'retrieve'; slot: string }
  | { kind: 'unknown'; args: readonly string[] };

/** The call server's reading of `StasisStart.args`; anything not in STASIS_ARG_FORMS is `unknown`. */
export function parseStasisArgs(args: readonly string[]): StasisEntry {
  const form = STASIS_ARG_FORMS.find((f) => f.args.length === args.length && f.args.every((a, i) => argMatches(a, args[i]!)));
  if (!form) return { kind: 'unknown', args };
  if (args[0] === 'inbound') return { kind: 'inbound', did: args[1]! };
  const feature = args[1] as FeatureName;
  if (feature === 'pause') return { kind: 'feature', feature, reasonCode: args[2]! };
  if (feature === 'retrieve') return { kind: 'feature', feature, slot: args[2]! };
  return { kind: 'feature', feature };
}

function argMatches(spec: StasisArg, value: string): boolean {
  return typeof spec === 'string' ? spec === value : spec.literal.test(value);
}

/**
 * The checker's view: `args` as written in the dialplan, `isLiteral(i)` false where the value is
 * only known at run time (`${...}`). Returns null when a form accepts them, else why not.
 */
export function stasisArgsProblem(args: readonly string[], isLiteral: (value: string) => boolean): string | null {
  const same = STASIS_ARG_FORMS.filter((f) => f.args.length === args.length);
  const ok = same.some((f) => f.args.every((spec, i) => {
    const value = args[i]!;
    if (typeof spec === 'string') return value === spec;
    return !isLiteral(value) || spec.literal.test(value);
  }));
  if (ok) return null;
  const shown = args.join(',');
  const byFirst = STASIS_ARG_FORMS.filter((f) => f.args[0] === args[0]);
  const expected = (byFirst.length ? byFirst : STASIS_ARG_FORMS).map((f) => f.form).join(', ');
  return `Stasis argument form '${shown}' is not one Switchboard accepts (expected ${expected})`;
}

/**
 * The AGI wire format, as Asterisk 22 speaks it over FastAGI (see
 * /work/shared/asterisk/traces/agi-session.txt): no I/O here, only lines in and lines out.
 *
 *   Asterisk -> us:  `agi_key: value` lines, then a blank line (the environment)
 *   us -> Asterisk:  one command per line, e.g. `SET VARIABLE SB_STATUS "ok"`
 *   Asterisk -> us:  `200 result=1 (data) key=value`, `510 Invalid or unknown command`,
 *                    `511 Command Not Permitted on a dead channel or intercept routine`,
 *                    `520 Invalid command syntax.  Proper usage not available.`, or a
 *                    `520-...` block of usage lines closed by a `520 End of proper usage.` line
 *   Asterisk -> us:  `HANGUP`, on its own, when the caller hangs up
 */

/** The `agi_*` variables, e.g. `agi_network_script`, `agi_callerid`, `agi_arg_1`. */
export type AgiEnvironment = Readonly<Record<string, string>>;

export type AgiErrorCode =
  | 'agi-line-too-long'
  | 'agi-malformed-environment'
  | 'agi-environment-too-large'
  | 'agi-timeout'
  | 'agi-hangup'
  | 'agi-closed'
  | 'agi-unexpected-response'
  | 'agi-invalid-variable-name';

export class AgiError extends Error {
  constructor(
    readonly code: AgiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgiError';
  }
}

// The value may hold anything but LF, a stray CR included (the s flag lets . match it).
const ENV_LINE = /^(agi_[a-z0-9_]{1,64}): ?(.*)$/s;

/** One environment line -> key and value (the value may itself hold `: `), or null when malformed. */
export function parseEnvironmentLine(line: string): { key: string; value: string } | null {
  const match = ENV_LINE.exec(line);
  return match ? { key: match[1], value: match[2] } : null;
}

/**
 * The route name: the path of `agi://host[:port]/<script>[?args]`, without leading or trailing
 * slashes and without the query, e.g. `client-lookup`.
 */
export function scriptName(env: AgiEnvironment): string {
  const raw = env.agi_network_script ?? '';
  return raw.split('?')[0].replace(/^\/+|\/+$/g, '');
}

/** `agi_arg_1`, `agi_arg_2`, ... in order (the AGI() application's arguments after the URL). */
export function scriptArguments(env: AgiEnvironment): string[] {
  const args: string[] = [];
  for (let i = 1; env[`agi_arg_${i}`] !== undefined; i++) args.push(env[`agi_arg_${i}`]);
  return args;
}

export interface AgiResponse {
  code: number;
  /** The `result=` value, e.g. `1`; '' when the line has none (510, 511, 520). */
  result: string;
  /** The parenthesised data, e.g. the value of GET VARIABLE; '' when absent. */
  data: string;
  /** Trailing `key=value` pairs, e.g. `endpos`. */
  extras: Record<string, string>;
  /** The whole line, or for a 520 block every line joined by `\n`. */
  text: string;
}

const RESPONSE = /^(\d{3})(?:[ -](.*))?$/;

/** A response status line; null when the line is not one (e.g. `HANGUP`). */
export function parseResponseLine(line: string): AgiResponse | null {
  const match = RESPONSE.exec(line);
  if (!match) return null;
  const code = Number(match[1]);
  const rest = match[2] ?? '';
  const result = /^result=(\S*)/.exec(rest);
  if (!result) return { code, result: '', data: '', extras: {}, text: line };
  let tail = rest.slice(result[0].length).trim();
  let data = '';
  if (tail.startsWith('(')) {
    const end = tail.lastIndexOf(')');
    data = end > 0 ? tail.slice(1, end) : tail.slice(1);
    tail = end > 0 ? tail.slice(end + 1).trim() : '';
  }
  const extras: Record<string, string> = {};
  for (const pair of tail.split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) extras[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { code, result: result[1], data, extras, text: line };
}

/** A `520-` line opens a usage block that a `520 ` line closes. */
export function opensMultilineResponse(line: string): boolean {
  return /^\d{3}-/.test(line);
}

export function closesMultilineResponse(line: string, code: number): boolean {
  return line.startsWith(`${code} `) || line === String(code);
}

export function isHangupNotice(line: string): boolean {
  return line.trim() === 'HANGUP';
}

/**
 * Asterisk reads a command into a 2 KiB buffer (AGI_BUF_LEN in res_agi.c), so a value is capped
 * well below that, in UTF-8 bytes, cut on a character boundary.
 */
export const MAX_VALUE_BYTES = 1000;

/**
 * A value made safe for a quoted AGI argument. Caller-ID and posted texts are hostile: CR or LF
 * would end the command and start another, so every control character becomes a space; `\` and
 * `"` are backslash-escaped, which is how res_agi's argument parser reads quoted arguments.
 */
export function quoteAgiValue(value: string): string {
  let clean = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
  clean = truncateUtf8(clean, MAX_VALUE_BYTES);
  return `"${clean.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function truncateUtf8(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,79}$/;

/** `SET VARIABLE NAME "value"`; names are ours, so a bad one is a bug and throws. */
export function setVariableCommand(name: string, value: string): string {
  if (!VARIABLE_NAME.test(name)) throw new AgiError('agi-invalid-variable-name', `invalid channel variable name ${JSON.stringify(name)}`);
  return `SET VARIABLE ${name} ${quoteAgiValue(value)}`;
}

/** `VERBOSE "message" level`: a line in Asterisk's console and log. */
export function verboseCommand(message: string, level: 1 | 2 | 3 | 4 = 1): string {
  return `VERBOSE ${quoteAgiValue(message)} ${level}`;
}

/** Application arguments and `${...}` / `$[...]` values of extensions.conf, read statically. */

/** Splits at top-level commas, as Asterisk splits application arguments (quotes, brackets, `\`). */
export function splitArgs(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      cur += c + raw[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '(' || c === '[' || c === '{')) depth++;
    else if (!quoted && (c === ')' || c === ']' || c === '}')) depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0 && !quoted) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((a) => a.trim());
}

export type ValuePart =
  | { kind: 'text'; text: string }
  /** `${inner}`: a variable, a slice `${EXTEN:1}` or a function `${FILTER(0-9,${EXTEN})}`. */
  | { kind: 'var'; inner: string }
  /** `$[inner]`: an expression. */
  | { kind: 'expr'; inner: string };

/** Finds the end of a `${`/`$[` opened at `start` (the `$`); -1 when never closed. */
function closing(s: string, start: number): number {
  const open = s[start + 1]!;
  const close = open === '{' ? '}' : ']';
  let depth = 0;
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return i;
  }
  return -1;
}

export function parseValue(s: string): ValuePart[] {
  const parts: ValuePart[] = [];
  let text = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '$' && (s[i + 1] === '{' || s[i + 1] === '[')) {
      const end = closing(s, i);
      if (end > 0) {
        if (text) parts.push({ kind: 'text', text });
        text = '';
        parts.push({ kind: s[i + 1] === '{' ? 'var' : 'expr', inner: s.slice(i + 2, end) });
        i = end;
        continue;
      }
    }
    text += s[i];
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/** True when the value is known as written: no `${...}` and no `$[...]`. */
export function isLiteral(s: string): boolean {
  return parseValue(s).every((p) => p.kind === 'text');
}

export type VarRef = { kind: 'function'; name: string; args: string } | { kind: 'variable'; name: string } | { kind: 'dynamic' };

/** `${CALLERID(num):0:5}` -> function CALLERID; `${EXTEN:1}` -> variable EXTEN. */
export function readVarRef(inner: string): VarRef {
  const fn = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)(:[^()]*)?$/s.exec(inner);
  if (fn) return { kind: 'function', name: fn[1]!.toUpperCase(), args: fn[2]! };
  const v = /^([A-Za-z0-9_]+)(:[-0-9:]*)?$/.exec(inner);
  if (v) return { kind: 'variable', name: v[1]! };
  return { kind: 'dynamic' };
}

/** Values a caller, a carrier or a phone chooses: what reaches Dial() must be FILTER()ed first. */
const UNTRUSTED_VARIABLES = new Set(['EXTEN', 'CALLERIDNUM', 'CALLERIDNAME', 'CALLERIDANI', 'RDNIS', 'DNID']);
const UNTRUSTED_FUNCTIONS = new Set(['CALLERID', 'CONNECTEDLINE', 'REDIRECTING', 'PJSIP_HEADER', 'SIP_HEADER', 'PJSIP_HEADERS']);
/** Functions whose result is safe whatever their input (FILTER keeps only the listed characters). */
const SANITISING_FUNCTIONS = new Set(['FILTER', 'LEN', 'ISNULL', 'EXISTS']);

/** Variable name -> where it was set from an untrusted value ("${EXTEN}"). */
export type Taint = ReadonlyMap<string, string>;

/** The first untrusted value in `s` not behind FILTER(), e.g. "${EXTEN:1}", else null. */
export function untrustedSource(s: string, taint: Taint): string | null {
  for (const p of parseValue(s)) {
    if (p.kind === 'text') continue;
    if (p.kind === 'expr') {
      const inner = untrustedSource(p.inner, taint);
      if (inner) return inner;
      continue;
    }
    const ref = readVarRef(p.inner);
    if (ref.kind === 'function') {
      if (SANITISING_FUNCTIONS.has(ref.name)) continue;
      if (UNTRUSTED_FUNCTIONS.has(ref.name)) return `\${${p.inner}}`;
      const inner = untrustedSource(ref.args, taint);
      if (inner) return inner;
    } else if (ref.kind === 'variable') {
      const name = ref.name;
      if (UNTRUSTED_VARIABLES.has(name.toUpperCase())) return `\${${p.inner}}`;
      const from = taint.get(name);
      if (from !== undefined) return `\${${name}} (set from ${from})`;
    } else {
      const inner = untrustedSource(p.inner, taint);
      if (inner) return inner;
    }
  }
  return null;
}

/** Every variable or function name `s` reads, upper-cased (`STASISSTATUS`, `FILTER`, ...). */
export function namesRead(s: string): string[] {
  const names: string[] = [];
  for (const p of parseValue(s)) {
    if (p.kind === 'text') continue;
    if (p.kind === 'expr') {
      names.push(...namesRead(p.inner));
      continue;
    }
    const ref = readVarRef(p.inner);
    if (ref.kind === 'function') names.push(ref.name, ...namesRead(ref.args));
    else if (ref.kind === 'variable') names.push(ref.name.toUpperCase());
    else names.push(...namesRead(p.inner));
  }
  return names;
}

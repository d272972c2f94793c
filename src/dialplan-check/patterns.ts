/** Asterisk extension names and patterns (`_X.`, `_[*#]1Z!`), matched against a dialled string. */

function patternRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern[i]!;
    const u = c.toUpperCase();
    if (u === 'X') re += '[0-9]';
    else if (u === 'Z') re += '[1-9]';
    else if (u === 'N') re += '[2-9]';
    else if (c === '.') re += '.+';
    else if (c === '!') re += '.*';
    else if (c === '-') continue; // Asterisk ignores dashes in patterns (_1-800-NXX)
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) return /(?!)/;
      const body = pattern.slice(i + 1, end).replace(/[\\\]^]/g, (m) => '\\' + m);
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a phone dialling `dialled` lands on extension `exten` (literal or `_` pattern). */
export function extenMatches(exten: string, dialled: string): boolean {
  if (!exten.startsWith('_')) return exten === dialled;
  return patternRegExp(exten).test(dialled);
}

const EVERYTHING = ['**', '##', '*#', '#*', '00', '99', '*2', '#72', '700', '*0#9*'];

/**
 * A catch-all takes whatever a phone dials that nothing else takes (`_[*#0-9].`, `_.`); it
 * cannot have been written for one code, so it is not counted as shadowing one.
 */
export function isCatchAll(exten: string): boolean {
  return exten.startsWith('_') && EVERYTHING.every((s) => extenMatches(exten, s));
}

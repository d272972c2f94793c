/**
 * extensions.conf syntax, read statically: `[contexts]`, `exten =>`, `same =>`, priorities
 * (numbers, `n`, labels), `include =>`, `#include` / `#tryinclude`, `;` comments (`\;` is a
 * literal semicolon, `;-- ... --;` a block comment). Pure: the caller reads the files.
 */
import { splitArgs } from './expressions';

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

interface Located {
  readonly file: string;
  readonly line: number;
}

export interface Step extends Located {
  readonly context: string;
  /** The extension as written, without a caller-ID match (`_X.` of `_X./5551234`). */
  readonly exten: string;
  readonly priority: number;
  readonly label?: string;
  /** Application name as written (`Stasis`, `GotoIf`). */
  readonly app: string;
  /** Everything between the parentheses. */
  readonly rawArgs: string;
  readonly args: readonly string[];
}

export interface Include extends Located {
  readonly context: string;
  readonly target: string;
}

export interface FileInclude extends Located {
  readonly target: string;
  readonly optional: boolean;
}

/** `; dialplan-check: <key> <value>`, a comment the checker reads. */
export interface Pragma extends Located {
  readonly key: string;
  readonly value: string;
}

export interface ParsedFile {
  readonly path: string;
  readonly contexts: ReadonlyArray<Located & { name: string }>;
  readonly steps: readonly Step[];
  readonly includes: readonly Include[];
  readonly fileIncludes: readonly FileInclude[];
  readonly pragmas: readonly Pragma[];
  readonly problems: readonly Problem[];
}

const SETTINGS_SECTIONS = new Set(['general', 'globals']);
const PRAGMA = /^\s*dialplan-check:\s*([a-z-]+)\s*(.*?)\s*$/i;

/** Strips comments; returns the code and the comment text (for pragmas). */
function splitComment(line: string): { code: string; comment: string | null } {
  let code = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && line[i + 1] === ';') {
      code += ';';
      i++;
    } else if (c === ';') return { code, comment: line.slice(i + 1) };
    else code += c;
  }
  return { code, comment: null };
}

/** `1`, `n`, `n(label)`, `2(label)`, `n+1`; `hint` is not a priority. */
function readPriority(raw: string, previous: number | undefined): { priority: number; label?: string } | 'hint' | null {
  const m = /^(\d+|n(?:\+\d+)?|s)\s*(?:\(\s*([A-Za-z0-9_-]+)\s*\))?$/i.exec(raw.trim());
  if (!m) return raw.trim().toLowerCase() === 'hint' ? 'hint' : null;
  const p = m[1]!.toLowerCase();
  let priority: number;
  if (/^\d+$/.test(p)) priority = Number(p);
  else if (previous === undefined) return null;
  else if (p === 's') priority = previous;
  else priority = previous + 1 + (p.startsWith('n+') ? Number(p.slice(2)) : 0);
  return m[2] ? { priority, label: m[2] } : { priority };
}

/** `App(args)`, `App` or the old `App,args`. */
function readApplication(raw: string): { app: string; rawArgs: string } | string {
  const text = raw.trim();
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(\(([\s\S]*)|,([\s\S]*))?$/.exec(text);
  if (!m) return `'${text}' is not an application call`;
  if (m[2] === undefined) return { app: m[1]!, rawArgs: '' };
  if (m[4] !== undefined) return { app: m[1]!, rawArgs: m[4] };
  const body = m[3]!;
  if (!body.trimEnd().endsWith(')')) return `${m[1]}( is not closed with ')'`;
  return { app: m[1]!, rawArgs: body.trimEnd().slice(0, -1) };
}

export function parseDialplan(source: SourceFile): ParsedFile {
  const file = source.path;
  const contexts: Array<Located & { name: string }> = [];
  const steps: Step[] = [];
  const includes: Include[] = [];
  const fileIncludes: FileInclude[] = [];
  const pragmas: Pragma[] = [];
  const problems: Problem[] = [];
  const lastPriority = new Map<string, number>();
  let context: string | null = null;
  let lastExten: string | null = null;
  let inBlockComment = false;

  const lines = source.text.split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const line = index + 1;
    let text = rawLine;
    if (inBlockComment) {
      const end = text.indexOf('--;');
      if (end < 0) return;
      inBlockComment = false;
      text = text.slice(end + 3);
    }
    const block = text.indexOf(';--');
    if (block >= 0 && (block === 0 || text[block - 1] !== '\\')) {
      const end = text.indexOf('--;', block + 3);
      if (end < 0) {
        inBlockComment = true;
        text = text.slice(0, block);
      } else text = text.slice(0, block) + text.slice(end + 3);
    }
    const { code, comment } = splitComment(text);
    if (comment !== null) {
      const p = PRAGMA.exec(comment);
      if (p) pragmas.push({ file, line, key: p[1]!.toLowerCase(), value: p[2]! });
    }
    const stmt = code.trim();
    if (!stmt) return;

    const directive = /^#(include|tryinclude)\s+["<]?([^">]+)[">]?$/i.exec(stmt);
    if (directive) {
      fileIncludes.push({ file, line, target: directive[2]!.trim(), optional: directive[1]!.toLowerCase() === 'tryinclude' });
      return;
    }
    if (stmt.startsWith('#')) return; // #exec and the like: nothing to check

    const header = /^\[([^\]]*)\]\s*(\([^)]*\))?$/.exec(stmt);
    if (header) {
      const name = header[1]!.trim();
      if (!name) problems.push({ file, line, message: 'context with an empty name' });
      context = name;
      lastExten = null;
      contexts.push({ file, line, name });
      return;
    }

    const kv = /^([A-Za-z0-9_.-]+)\s*=>?\s*([\s\S]*)$/.exec(stmt);
    if (!kv) {
      problems.push({ file, line, message: `cannot read '${stmt}'` });
      return;
    }
    if (context === null) {
      problems.push({ file, line, message: `'${kv[1]}' outside any [context]` });
      return;
    }
    if (SETTINGS_SECTIONS.has(context)) return;
    const key = kv[1]!.toLowerCase();
    const value = kv[2]!;

    if (key === 'include') {
      const target = value.split(',')[0]!.trim();
      if (!target) problems.push({ file, line, message: 'include => without a context' });
      else includes.push({ file, line, context, target });
      return;
    }
    if (key === 'switch' || key === 'ignorepat') return;
    if (key !== 'exten' && key !== 'same') {
      problems.push({ file, line, message: `unknown dialplan statement '${kv[1]}' in [${context}]` });
      return;
    }

    let exten: string;
    let rest: string;
    if (key === 'exten') {
      const comma = value.indexOf(',');
      if (comma < 0) {
        problems.push({ file, line, message: 'exten => without a priority and an application' });
        return;
      }
      exten = value.slice(0, comma).trim().split('/')[0]!.trim();
      rest = value.slice(comma + 1);
      if (!exten) {
        problems.push({ file, line, message: 'exten => with an empty extension' });
        return;
      }
      lastExten = exten;
    } else {
      if (lastExten === null) {
        problems.push({ file, line, message: `same => with no exten => before it in [${context}]` });
        return;
      }
      exten = lastExten;
      rest = value;
    }
    const comma = rest.indexOf(',');
    if (comma < 0) {
      problems.push({ file, line, message: `priority '${rest.trim()}' has no application` });
      return;
    }
    const key2 = `${context}\u0000${exten}`;
    const prio = readPriority(rest.slice(0, comma), lastPriority.get(key2));
    if (prio === 'hint') return;
    if (prio === null) {
      problems.push({ file, line, message: `bad priority '${rest.slice(0, comma).trim()}' for extension ${exten} in [${context}]` });
      return;
    }
    const application = readApplication(rest.slice(comma + 1));
    if (typeof application === 'string') {
      problems.push({ file, line, message: application });
      return;
    }
    lastPriority.set(key2, prio.priority);
    steps.push({ file, line, context, exten, ...prio, ...application, args: splitArgs(application.rawArgs) });
  });
  return { path: file, contexts, steps, includes, fileIncludes, pragmas, problems };
}

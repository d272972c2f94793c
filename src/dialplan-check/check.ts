/**
 * `npm run dialplan:check`: the dialplan against what Switchboard accepts. Pure: parsed files in,
 * `file:line: message` problems out (scripts/dialplan-check.ts reads the files and prints).
 */
import { isLiteral, namesRead, splitArgs, untrustedSource } from './expressions';
import type { FeatureCode } from './features';
import type { ParsedFile, Problem, Step } from './parse';
import { extenMatches, isCatchAll } from './patterns';
import { stasisArgsProblem } from './stasis-forms';

export interface CheckOptions {
  /** Switchboard's Stasis app (ARI_APP); its argument forms are checked. */
  readonly app: string;
  /** The desk phones' context(s) (pjsip.conf `context=`); their includes count too. */
  readonly phoneContexts?: readonly string[];
  /** Codes from config/features.conf the phones' contexts must not shadow. */
  readonly featureCodes?: readonly FeatureCode[];
}

export interface CheckResult {
  readonly problems: readonly Problem[];
  readonly stats: { readonly files: number; readonly contexts: number; readonly stasisCalls: number };
}

/** After Stasis(), one of these runs when Switchboard is not connected (STASISSTATUS=FAILED). */
const FALLBACK_APPS = new Set(['goto', 'gosub', 'queue', 'voicemail', 'dial', 'playback', 'background']);
const CONDITIONAL_APPS = new Set(['gotoif', 'gosubif', 'execif']);
const JUMP_APPS = new Set(['goto', 'gotoif', 'gosub', 'gosubif']);
const PRAGMA_KEYS = new Set(['allow-app', 'reserve']);

const extKey = (s: { context: string; exten: string }) => `${s.context}\u0000${s.exten}`;

/**
 * @param files what to check and report on
 * @param reference more of the dialplan, only to know its contexts and variables (e.g. the rest
 *   of dialplan/ when one file is checked)
 */
export function checkDialplan(files: readonly ParsedFile[], options: CheckOptions, reference: readonly ParsedFile[] = []): CheckResult {
  const checked = new Set(files.map((f) => f.path));
  const all = [...files, ...reference.filter((r) => !checked.has(r.path))];
  const problems: Problem[] = files.flatMap((f) => f.problems);
  const report = (at: { file: string; line: number }, message: string) => {
    if (checked.has(at.file)) problems.push({ file: at.file, line: at.line, message });
  };

  const contexts = new Set(all.flatMap((f) => f.contexts.map((c) => c.name)));
  const steps = all.flatMap((f) => f.steps);
  const byExten = new Map<string, Step[]>();
  for (const s of steps) {
    const list = byExten.get(extKey(s)) ?? [];
    list.push(s);
    byExten.set(extKey(s), list);
  }

  for (const f of files) {
    for (const p of f.pragmas) if (!PRAGMA_KEYS.has(p.key)) report(p, `unknown dialplan-check pragma '${p.key}' (known: ${[...PRAGMA_KEYS].join(', ')})`);
  }

  // Sanity: priorities and labels defined twice, includes and jumps to contexts that do not exist.
  for (const list of byExten.values()) {
    const seen = new Map<number, Step>();
    const labels = new Map<string, Step>();
    for (const s of list) {
      const first = seen.get(s.priority);
      if (first) report(s, `priority ${s.priority} of extension ${s.exten} in [${s.context}] is already defined at ${first.file}:${first.line}`);
      else seen.set(s.priority, s);
      if (s.label) {
        const firstLabel = labels.get(s.label);
        if (firstLabel) report(s, `label '${s.label}' of extension ${s.exten} in [${s.context}] is already defined at ${firstLabel.file}:${firstLabel.line}`);
        else labels.set(s.label, s);
      }
    }
  }
  for (const inc of all.flatMap((f) => f.includes)) {
    if (!contexts.has(inc.target) && isLiteral(inc.target)) report(inc, `include => ${inc.target}: no such context`);
  }
  for (const s of steps) {
    if (!JUMP_APPS.has(s.app.toLowerCase())) continue;
    for (const target of jumpTargets(s)) {
      if (!target.every(isLiteral)) continue;
      if (target.length === 3 && !contexts.has(target[0]!)) report(s, `${s.app}() to ${target.join(',')}: no such context [${target[0]}]`);
      if (target.length === 1 && target[0] && !/^\d+$/.test(target[0])) {
        const label = target[0];
        if (!(byExten.get(extKey(s)) ?? []).some((o) => o.label === label)) report(s, `${s.app}() to label '${label}': extension ${s.exten} in [${s.context}] has no such label`);
      }
    }
  }

  // (1) and (2): Stasis app names, argument forms, and a fallback after every Stasis().
  let stasisCalls = 0;
  const allowedApps = new Map(files.map((f) => [f.path, new Set([options.app, ...f.pragmas.filter((p) => p.key === 'allow-app').map((p) => p.value)])]));
  for (const f of files) {
    for (const s of f.steps) {
      if (s.app.toLowerCase() !== 'stasis') continue;
      stasisCalls++;
      const app = s.args[0] ?? '';
      if (!isLiteral(app)) report(s, `Stasis app name must be written out, not '${app}'`);
      else if (!allowedApps.get(f.path)!.has(app)) {
        report(s, `unknown Stasis app '${app}': Switchboard's is '${options.app}' (another app needs '; dialplan-check: allow-app ${app || '<name>'}' in this file)`);
      } else if (app === options.app) {
        const why = stasisArgsProblem(s.args.slice(1), isLiteral);
        if (why) report(s, why);
      }
      const next = (byExten.get(extKey(s)) ?? []).filter((o) => o.priority > s.priority).sort((a, b) => a.priority - b.priority)[0];
      if (!next) report(s, `Stasis() has no fallback after it: nothing follows it in extension ${s.exten}; add GotoIf($["\${STASISSTATUS}" = "FAILED"]?<fallback>)`);
      else if (!isFallback(next)) {
        report(s, `Stasis() has no fallback after it: the next priority is ${next.app}() (${next.file}:${next.line}); check STASISSTATUS (GotoIf($["\${STASISSTATUS}" = "FAILED"]?<fallback>)) or go to a fallback (Queue, VoiceMail, Goto, ...)`);
      }
    }
  }

  // (3): caller-controlled values reaching Dial() without FILTER().
  const taint = taintedVariables(steps);
  for (const f of files) {
    for (const s of f.steps) {
      if (s.app.toLowerCase() !== 'dial') continue;
      const source = untrustedSource(s.rawArgs, taint);
      if (source) report(s, `Dial() gets ${source} unfiltered: pass it through \${FILTER(0-9+,...)} first`);
    }
  }

  // (4): feature codes the phones' contexts shadow.
  const phones = reachableContexts(options.phoneContexts ?? ['receptionists'], all);
  const codes = options.featureCodes ?? [];
  const seenExten = new Set<string>();
  for (const f of files) {
    for (const s of f.steps) {
      if (!phones.has(s.context) || seenExten.has(extKey(s)) || isCatchAll(s.exten)) continue;
      seenExten.add(extKey(s));
      for (const c of codes) {
        if (extenMatches(s.exten, c.code)) report(s, `extension ${s.exten} in [${s.context}] shadows feature code ${c.code} (${c.name}, ${c.file}:${c.line})`);
      }
    }
  }

  problems.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return { problems, stats: { files: files.length, contexts: new Set(files.flatMap((f) => f.contexts.map((c) => c.name))).size, stasisCalls } };
}

function isFallback(next: Step): boolean {
  const app = next.app.toLowerCase();
  if (CONDITIONAL_APPS.has(app)) return namesRead(next.rawArgs).includes('STASISSTATUS');
  return FALLBACK_APPS.has(app);
}

/** Index of the first `ch` outside `${}`, `$[]`, parentheses and quotes. */
function topLevelIndex(s: string, ch: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}

/** Goto(label | exten,prio | context,exten,prio); GotoIf(cond?true:false); Gosub adds `(args)`. */
function jumpTargets(s: Step): string[][] {
  const app = s.app.toLowerCase();
  let dests = [s.rawArgs];
  if (app === 'gotoif' || app === 'gosubif') {
    const q = topLevelIndex(s.rawArgs, '?');
    if (q < 0) return [];
    const branches = s.rawArgs.slice(q + 1);
    const colon = topLevelIndex(branches, ':');
    dests = colon < 0 ? [branches] : [branches.slice(0, colon), branches.slice(colon + 1)];
  }
  return dests
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map((d) => splitArgs(d).map((part, i, parts) => (i === parts.length - 1 ? part.replace(/\(.*\)$/s, '') : part)));
}

/** Variables Set() or MSet() from a caller-controlled value, with where that happened. */
function taintedVariables(steps: readonly Step[]): Map<string, string> {
  const taint = new Map<string, string>();
  const assignments: Array<{ name: string; value: string; step: Step }> = [];
  for (const s of steps) {
    const app = s.app.toLowerCase();
    const raw = app === 'set' ? [s.rawArgs] : app === 'mset' ? s.args : [];
    for (const a of raw) {
      const eq = a.indexOf('=');
      if (eq <= 0) continue;
      const name = a.slice(0, eq).trim().replace(/^_{1,2}/, '');
      if (/^[A-Za-z0-9_]+$/.test(name)) assignments.push({ name, value: a.slice(eq + 1), step: s });
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const { name, value, step } of assignments) {
      if (taint.has(name)) continue;
      const source = untrustedSource(value, taint);
      if (source) {
        taint.set(name, `${source} at ${step.file}:${step.line}`);
        changed = true;
      }
    }
  }
  return taint;
}

function reachableContexts(start: readonly string[], files: readonly ParsedFile[]): Set<string> {
  const includes = files.flatMap((f) => f.includes);
  const seen = new Set(start);
  const todo = [...start];
  while (todo.length) {
    const c = todo.pop()!;
    for (const inc of includes) {
      if (inc.context === c && !seen.has(inc.target)) {
        seen.add(inc.target);
        todo.push(inc.target);
      }
    }
  }
  return seen;
}

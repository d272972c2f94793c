/**
 * The command line of `npm run dialplan:check [-- [--app NAME] [--config DIR]
 * [--phones-context NAME]... [PATH...]]`, with file access passed in (scripts/dialplan-check.ts
 * gives it node:fs), so tests run it without a process.
 */
import { checkDialplan } from './check';
import { readFeatureCodes, type FeatureCode } from './features';
import { parseDialplan, type ParsedFile, type Problem } from './parse';

export interface CliIo {
  /** Text of a file, or null when there is none. */
  readFile(path: string): string | null;
  /** `.conf` files under a directory (any depth), or null when `path` is not a directory. */
  listConfFiles(path: string): string[] | null;
  /** `a/b` joined and normalised, relative to the working directory. */
  join(...parts: string[]): string;
  dirname(path: string): string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface CliResult {
  readonly code: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

const USAGE = 'usage: dialplan:check [--app NAME] [--config DIR] [--phones-context NAME]... [PATH...]  (default PATH: dialplan/)';

export function runDialplanCheck(argv: readonly string[], io: CliIo): CliResult {
  let app = io.env.ARI_APP || 'switchboard';
  let configDir = 'config';
  const phoneContexts: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i];
    if (a === '--help' || a === '-h') return { code: 0, stdout: USAGE + '\n', stderr: '' };
    if (a === '--app' || a === '--config' || a === '--phones-context') {
      const v = value();
      if (!v) return { code: 2, stdout: '', stderr: `${a} needs a value\n${USAGE}\n` };
      if (a === '--app') app = v;
      else if (a === '--config') configDir = v;
      else phoneContexts.push(v);
    } else if (a.startsWith('--')) return { code: 2, stdout: '', stderr: `unknown option ${a}\n${USAGE}\n` };
    else paths.push(a);
  }

  const problems: Problem[] = [];
  const files: ParsedFile[] = [];
  const seen = new Set<string>();
  const load = (path: string, into: ParsedFile[], from?: { file: string; line: number; optional: boolean }): void => {
    if (seen.has(path)) return;
    const text = io.readFile(path);
    if (text === null) {
      if (from && !from.optional) problems.push({ file: from.file, line: from.line, message: `#include ${path}: no such file` });
      return;
    }
    seen.add(path);
    const parsed = parseDialplan({ path, text });
    into.push(parsed);
    for (const inc of parsed.fileIncludes) {
      // Asterisk resolves #include from /etc/asterisk: here, beside the file or one folder up
      // (config/extensions.conf includes "dialplan/inbound.conf").
      const dir = io.dirname(path);
      const candidates = [io.join(dir, inc.target), io.join(dir, '..', inc.target)];
      const found = candidates.find((c) => io.readFile(c) !== null);
      load(found ?? candidates[0]!, into, inc);
    }
  };

  const targets = paths.length ? paths : ['dialplan'];
  for (const p of targets) {
    const listed = io.listConfFiles(p);
    if (listed) listed.forEach((f) => load(f, files));
    else if (io.readFile(p) !== null) load(p, files);
    else return { code: 2, stdout: '', stderr: `${p}: no such file or directory\n` };
  }
  // Checking some files: the rest of dialplan/ still defines contexts they may jump to.
  const reference: ParsedFile[] = [];
  if (paths.length) {
    for (const f of io.listConfFiles('dialplan') ?? []) {
      if (seen.has(f)) continue;
      const text = io.readFile(f);
      if (text !== null) reference.push(parseDialplan({ path: f, text }));
    }
  }

  const featureCodes: FeatureCode[] = [];
  const featureFiles: string[] = [];
  for (const name of ['features.conf', 'res_parking.conf']) {
    const path = io.join(configDir, name);
    const text = io.readFile(path);
    if (text === null) continue;
    featureFiles.push(path);
    featureCodes.push(...readFeatureCodes({ path, text }));
  }

  const result = checkDialplan(files, { app, featureCodes, phoneContexts: phoneContexts.length ? phoneContexts : undefined }, reference);
  const all = [...problems, ...result.problems];
  if (all.length) {
    return {
      code: 1,
      stdout: all.map((p) => `${p.file}:${p.line}: ${p.message}\n`).join(''),
      stderr: `dialplan:check: ${all.length} problem${all.length === 1 ? '' : 's'} in ${new Set(all.map((p) => p.file)).size} file(s)\n`,
    };
  }
  const { stats } = result;
  const codes = featureFiles.length ? `${featureCodes.length} feature codes from ${featureFiles.join(', ')}` : `no feature codes (no ${io.join(configDir, 'features.conf')})`;
  return {
    code: 0,
    stdout: `dialplan:check: OK: ${stats.files} files, ${stats.contexts} contexts, ${stats.stasisCalls} Stasis() calls (app '${app}'), ${codes}\n`,
    stderr: '',
  };
}

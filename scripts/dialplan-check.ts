/** `npm run dialplan:check`: see src/dialplan-check/cli.ts and docs/asterisk.md. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { runDialplanCheck } from '../src/dialplan-check/cli';

function readFile(path: string): string | null {
  try {
    return statSync(path).isFile() ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  }
}

function listConfFiles(path: string): string[] | null {
  try {
    if (!statSync(path).isDirectory()) return null;
  } catch {
    return null;
  }
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.conf'))
    .map((f) => posix.join(path, f))
    .filter((f) => readFile(f) !== null)
    .sort();
}

const result = runDialplanCheck(process.argv.slice(2), {
  readFile,
  listConfFiles,
  join: (...parts) => posix.normalize(posix.join(...parts)),
  dirname: (p) => posix.dirname(p),
  env: process.env,
});
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;

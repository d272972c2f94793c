import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// dependency-cruiser holds one rule per library; this holds src/messages to the domain's shape:
// it may import itself, port types, and node:crypto (hashing is computation, not I/O).
const DIR = path.resolve(__dirname, '../../src/messages');
const ALLOWED = /^(\.\/[a-z-]+|\.\.\/ports\/[a-z-]+|node:crypto)$/;

describe('src/messages is pure', () => {
  it('given every module in src/messages then it imports nothing with I/O', () => {
    const offending: string[] = [];
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(path.join(DIR, file), 'utf8');
      for (const m of text.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) if (!ALLOWED.test(m[1])) offending.push(`${file}: ${m[1]}`);
    }
    expect(offending).toEqual([]);
  });
});

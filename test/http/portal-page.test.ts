import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { CallService } from '../../src/calls/call-service';
import { buildHttp } from '../../src/http/server';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';

const DIR = join(__dirname, '../../src/http/portal');
const JS_PATH = join(DIR, 'portal.js');
const js = readFileSync(JS_PATH, 'utf8');
const html = readFileSync(join(DIR, 'index.html'), 'utf8');
const SECTIONS = ['status', 'greeting', 'contacts', 'hours', 'messages', 'calls', 'usage'];

/** The string literals of `var NAME = ['a', 'b'];` in portal.js. */
function listIn(source: string, name: string): string[] {
  const m = new RegExp(`var ${name} = \\[([^\\]]*)\\]`).exec(source);
  if (!m) throw new Error(`no ${name} in portal.js`);
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

describe('GET /portal: the client portal page', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const clock = { now: () => Date.now() };
    const calls = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory: new MemoryDirectory(), liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
      timers: { start() {}, cancel() {}, cancelAll() {} }, clock, logger: pino({ level: 'silent' }),
      defaultClient: { id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0, overflow: { kind: 'announcement', media: 'sound:goodbye' } },
    });
    app = buildHttp({ logger: pino({ level: 'silent' }), apiToken: 'portal-test-token', calls, callLog: new MemoryCallLog(), hub: new NoticeHub(), clock, health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) } });
    await app.ready();
  });
  afterAll(async () => app?.close());

  it('given no token, when /portal is asked for, then it is HTML with the strict CSP, and its script and style come with their types', async () => {
    const page = await app.inject({ method: 'GET', url: '/portal' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("media-src 'self' blob:");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toBe(html);
    const script = await app.inject({ method: 'GET', url: '/portal/portal.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    const style = await app.inject({ method: 'GET', url: '/portal/portal.css' });
    expect(style.statusCode).toBe(200);
    expect(style.headers['content-type']).toMatch(/^text\/css/);
  });

  it('references only same-origin assets, the kit before the page script: no CDN, no inline script or style, no on* attributes', () => {
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(['/kit/kit.css', '/kit/kit.js', '/portal/portal.css', '/portal/portal.js']);
    expect(html.indexOf('/kit/kit.js')).toBeLessThan(html.indexOf('/portal/portal.js'));
    expect(html).toMatch(/<script src="\/portal\/portal\.js" defer><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(js).not.toMatch(/https?:\/\//);
    expect(readFileSync(join(DIR, 'portal.css'), 'utf8')).not.toMatch(/https?:\/\/|@import|url\(/);
  });

  it('never writes data as HTML: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval in the script', () => {
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    expect(js).toMatch(/SB\.el\b|textContent/);
  });

  it('parses as a script (node --check)', () => {
    expect(() => execFileSync(process.execPath, ['--check', JS_PATH], { stdio: 'pipe' })).not.toThrow();
  });

  it('finds in the page every element the script and the kit look up', () => {
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    const literal = [...js.matchAll(/(?:\$|SB\.\$|getElementById)\('([^']+)'\)/g)].map((m) => m[1]);
    expect(literal.length).toBeGreaterThan(40);
    const dynamic = [...SECTIONS.flatMap((s) => [`nav-${s}`, `section-${s}`]), ...listIn(js, 'EDIT_BUTTONS'), ...listIn(js, 'CLIENT_LISTS')];
    const kit = ['login', 'login-form', 'email', 'password', 'login-error', 'app', 'announcements'];
    const missing = [...new Set([...literal, ...dynamic, ...kit])].filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    expect(listIn(js, 'SECTIONS')).toEqual(SECTIONS);
  });

  it('keeps the ids browser tests drive, and reports only the agreed usage actions', () => {
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    for (const id of ['status-text', 'status-instruction', 'status-starts', 'status-ends', 'status-post', 'status-clear', 'status-current', 'greeting', 'greeting-save', 'contacts', 'messages', 'calls', 'usage', 'client-picker', 'flash']) {
      expect(ids, id).toContain(id);
    }
    const dup = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]).filter((id, i, all) => all.indexOf(id) !== i);
    expect(dup).toEqual([]);
    const agreed = ['open', 'status-set', 'status-clear', 'greeting-edit', 'contact-edit', 'contact-delete', 'hours-edit', 'closures-edit', 'after-hours-edit', 'message-play', 'message-handled', 'call-log-view', 'usage-view'];
    const reported = [...js.matchAll(/SB\.used\('portal', '([^']+)'\)|\bact\([^,]+, '([^']+)'/g)].map((m) => m[1] ?? m[2]);
    expect(new Set(reported)).toEqual(new Set(agreed));
  });

  it('offers the four status instructions and never sends forwardAllowed', () => {
    const options = [...html.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1]);
    expect(options).toEqual(expect.arrayContaining(['none', 'voicemail-all', 'screen-all', 'take-message']));
    expect(js).not.toMatch(/forwardAllowed\s*:/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { CallService } from '../../src/calls/call-service';
import { USAGE_ACTIONS } from '../../src/domain/product-usage';
import { PAGES } from '../../src/http/console-routes';
import { buildHttp } from '../../src/http/server';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';

/**
 * The four web pages (/console, /portal, /wallboard, /admin) and their shared kit, read as a
 * browser would get them: the same rules for each (strict CSP, same origin only, no data ever
 * written as HTML, every element a script looks up present). What they do in a browser is in
 * test/browser.
 */
const SRC = join(__dirname, '../../src/http');
const KIT = readFileSync(join(SRC, 'kit/kit.js'), 'utf8');
const KIT_IDS = ['login', 'login-form', 'email', 'password', 'login-error', 'app', 'announcements'];
const source = (page: string) => ({
  html: readFileSync(join(SRC, page, 'index.html'), 'utf8'),
  js: readFileSync(join(SRC, page, `${page}.js`), 'utf8'),
  css: readFileSync(join(SRC, page, `${page}.css`), 'utf8'),
  jsPath: join(SRC, page, `${page}.js`),
});
const idsOf = (html: string) => [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
/** The string literals of `var NAME = ['a', 'b'];` in a page script. */
function listIn(js: string, name: string): string[] {
  const m = new RegExp(`var ${name} = \\[([^\\]]*)\\]`).exec(js);
  if (!m) throw new Error(`no ${name}`);
  return [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

describe('the web pages', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const clock = { now: () => Date.now() };
    const calls = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory: new MemoryDirectory(), liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
      timers: { start() {}, cancel() {}, cancelAll() {} }, clock, logger: pino({ level: 'silent' }),
      defaultClient: { id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0, overflow: { kind: 'announcement', media: 'sound:goodbye' } },
    });
    app = buildHttp({ logger: pino({ level: 'silent' }), apiToken: 'pages-test-token', calls, callLog: new MemoryCallLog(), hub: new NoticeHub(), clock, health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) } });
    await app.ready();
  });
  afterAll(async () => app?.close());

  it('the kit never writes data as HTML: its text() is textContent', () => {
    expect(KIT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    expect(KIT).toMatch(/function text\(el, value\) \{ el\.textContent =/);
    expect(() => execFileSync(process.execPath, ['--check', join(SRC, 'kit/kit.js')], { stdio: 'pipe' })).not.toThrow();
  });

  describe.each(PAGES.map((p) => [p]))('/%s', (page) => {
    const { html, js, css, jsPath } = source(page);

    it('is served without a token as HTML with a strict CSP, its script and style with their types, and the kit beside it', async () => {
      const res = await app.inject({ method: 'GET', url: `/${page}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect((await app.inject({ method: 'GET', url: `/${page}/${page}.js` })).headers['content-type']).toMatch(/^text\/javascript/);
      expect((await app.inject({ method: 'GET', url: `/${page}/${page}.css` })).headers['content-type']).toMatch(/^text\/css/);
      expect((await app.inject({ method: 'GET', url: '/kit/kit.js' })).statusCode).toBe(200);
    });

    it('references only its own files and the kit (the kit first): no CDN, no inline script or style, no on* attributes', () => {
      const refs = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
      expect([...refs].sort()).toEqual(['/kit/kit.css', '/kit/kit.js', `/${page}/${page}.css`, `/${page}/${page}.js`].sort());
      expect(refs.indexOf('/kit/kit.js')).toBeLessThan(refs.indexOf(`/${page}/${page}.js`));
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
      expect(js).not.toMatch(/https?:\/\//);
      expect(css).not.toMatch(/url\(|@import/);
    });

    it('never writes data as HTML: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval; parses as a script', () => {
      expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\('on/);
      expect(() => execFileSync(process.execPath, ['--check', jsPath], { stdio: 'pipe' })).not.toThrow();
    });

    it('has the elements the kit wires and every element its script looks up, each id once', () => {
      const ids = idsOf(html);
      expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
      const looked = [...js.matchAll(/(?:\$|SB\.\$|getElementById)\('([a-z0-9-]+)'\)/g)].map((m) => m[1]!);
      expect(looked.length).toBeGreaterThan(5);
      const missing = [...new Set([...KIT_IDS, ...looked])].filter((id) => !ids.includes(id));
      expect(missing).toEqual([]);
    });

    it('reports only usage actions the API accepts for this page, and reports being opened', () => {
      const reported = [...js.matchAll(/SB\.used\('([a-z]+)', '([a-z-]+)'\)/g)];
      expect(reported.length).toBeGreaterThan(0);
      for (const [, app, action] of reported) {
        expect(app).toBe(page);
        expect(USAGE_ACTIONS[page] as readonly string[]).toContain(action);
      }
      expect(reported.map((m) => m[2])).toContain('open');
    });
  });

  it('the console: every button id it wires is on the page, and each action it reports is a console action', () => {
    const { html, js } = source('console');
    for (const id of new Set([...js.matchAll(/'(btn-[a-z]+)'/g)].map((m) => m[1]!))) expect(html, id).toContain(`id="${id}"`);
    const actions = [...js.matchAll(/(?:act|callOp|presenceAction)\('([a-z-]+)'/g), ...js.matchAll(/'(transfer-(?:screened|blind))'/g)].map((m) => m[1]!);
    expect(actions.length).toBeGreaterThan(8);
    for (const a of actions) expect(USAGE_ACTIONS.console as readonly string[]).toContain(a);
  });

  it('the portal: the ids browser tests drive, every section, the four status instructions, and never forwardAllowed', () => {
    const { html, js } = source('portal');
    const ids = idsOf(html);
    const sections = listIn(js, 'SECTIONS');
    const dynamic = [...sections.flatMap((s) => [`nav-${s}`, `section-${s}`]), ...listIn(js, 'EDIT_BUTTONS'), ...listIn(js, 'CLIENT_LISTS')];
    for (const id of [...dynamic, 'status-text', 'status-instruction', 'status-starts', 'status-ends', 'status-post', 'status-clear', 'status-current', 'greeting', 'greeting-save', 'contacts', 'messages', 'calls', 'usage', 'client-picker', 'flash']) {
      expect(ids, id).toContain(id);
    }
    expect(sections).toEqual(['status', 'greeting', 'contacts', 'hours', 'messages', 'calls', 'usage']);
    const options = [...html.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1]);
    expect(options).toEqual(expect.arrayContaining(['none', 'voicemail-all', 'screen-all', 'take-message']));
    expect(js).not.toMatch(/forwardAllowed\s*:/);
    const reported = [...js.matchAll(/SB\.used\('portal', '([^']+)'\)|\bact\([^,]+, '([^']+)'/g)].map((m) => m[1] ?? m[2]);
    expect(new Set(reported)).toEqual(new Set(USAGE_ACTIONS.portal));
  });

  it('the admin page publishes, withdraws and reads usage through the admin API; the wallboard reads today\'s figures', () => {
    const admin = source('admin').js;
    expect(admin).toContain("'/api/admin/announcements'");
    expect(admin).toContain("'DELETE', '/api/admin/announcements/' + encodeURIComponent(");
    expect(admin).toContain("'/api/admin/usage?days='");
    expect(new Set([...admin.matchAll(/SB\.used\('admin', '([^']+)'\)/g)].map((m) => m[1]))).toEqual(new Set(USAGE_ACTIONS.admin));
    expect(source('wallboard').js).toMatch(/\/api\/wallboard\/today/);
  });
});

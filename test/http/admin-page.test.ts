import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { CallService } from '../../src/calls/call-service';
import { USAGE_ACTIONS } from '../../src/domain/product-usage';
import { buildHttp } from '../../src/http/server';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';

const DIR = join(__dirname, '../../src/http/admin');
const js = () => readFileSync(join(DIR, 'admin.js'), 'utf8');

describe('GET /admin: the admin page', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const clock = { now: () => Date.now() };
    const calls = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory: new MemoryDirectory(), liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
      timers: { start() {}, cancel() {}, cancelAll() {} }, clock, logger: pino({ level: 'silent' }),
      defaultClient: { id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0, overflow: { kind: 'announcement', media: 'sound:goodbye' } },
    });
    app = buildHttp({ logger: pino({ level: 'silent' }), apiToken: 'admin-page-test-token', calls, callLog: new MemoryCallLog(), hub: new NoticeHub(), clock, health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) } });
    await app.ready();
  });
  afterAll(async () => app?.close());

  it('serves the page without a token, as HTML with a strict CSP, and its script and style with their types', async () => {
    const page = await app.inject({ method: 'GET', url: '/admin' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = await app.inject({ method: 'GET', url: '/admin/admin.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.headers['content-security-policy']).toBeDefined();
    const css = await app.inject({ method: 'GET', url: '/admin/admin.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('references only same-origin assets and pages: the kit before its own script, no CDN, no inline script or style, no on* attributes', async () => {
    const html = (await app.inject({ method: 'GET', url: '/admin' })).body;
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(['/admin/admin.css', '/admin/admin.js', '/console', '/kit/kit.css', '/kit/kit.js', '/portal', '/wallboard']);
    expect(html.indexOf('src="/kit/kit.js"')).toBeLessThan(html.indexOf('src="/admin/admin.js"'));
    for (const tag of html.match(/<script[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc="[^"]+" defer>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(js()).not.toMatch(/https?:\/\//);
    expect(readFileSync(join(DIR, 'admin.css'), 'utf8')).not.toMatch(/https?:\/\/|@import|url\(/);
  });

  it('has the sign-in elements the kit wires, and every element the script looks up', async () => {
    const html = (await app.inject({ method: 'GET', url: '/admin' })).body;
    const ids = new Set([...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
    for (const id of ['login', 'login-form', 'email', 'password', 'login-error', 'app', 'announcements']) expect(ids, id).toContain(id);
    const looked = [...js().matchAll(/\$\('([^']+)'\)/g)].map((m) => m[1]);
    expect(looked.length).toBeGreaterThan(10);
    for (const id of looked) expect(ids, `#${id}`).toContain(id);
    expect(html).toMatch(/<main id="app" hidden>/);
  });

  it('never writes data as HTML: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval in the script', () => {
    expect(js()).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\('on/);
    expect(js()).toMatch(/SB\.el|textContent|SB\.text/);
  });

  it('publishes, withdraws and reads usage through the API, and reports only actions the admin page may report', () => {
    const source = js();
    expect(source).toContain("'/api/admin/announcements'");
    expect(source).toContain("'DELETE', '/api/admin/announcements/' + encodeURIComponent(");
    expect(source).toContain("'/api/admin/usage?days='");
    const reported = [...source.matchAll(/SB\.used\('([^']+)', '([^']+)'\)/g)].map((m) => [m[1], m[2]]);
    expect(reported.map(([, action]) => action).sort()).toEqual([...USAGE_ACTIONS.admin].sort());
    for (const [page] of reported) expect(page).toBe('admin');
  });
});

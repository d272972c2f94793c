import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { CallService } from '../../src/calls/call-service';
import { buildHttp } from '../../src/http/server';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';

const DIR = join(__dirname, '../../src/http/console');

describe('GET /console: the receptionist console', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const clock = { now: () => Date.now() };
    const calls = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory: new MemoryDirectory(), liveState: new MemoryLiveState(), callLog: new MemoryCallLog(), notifier: new NoticeHub(),
      timers: { start() {}, cancel() {}, cancelAll() {} }, clock, logger: pino({ level: 'silent' }),
      defaultClient: { id: 'default', name: 'Default', greeting: 'Hi', mohClass: 'default', holdPrompt: null, announcePosition: false, priorityTier: 0, maxWaitSeconds: 0, overflow: { kind: 'announcement', media: 'sound:goodbye' } },
    });
    app = buildHttp({ logger: pino({ level: 'silent' }), apiToken: 'console-test-token', calls, callLog: new MemoryCallLog(), hub: new NoticeHub(), clock, health: { check: async () => ({ asterisk: true, postgres: true, redis: true }) } });
    await app.ready();
  });
  afterAll(async () => app?.close());

  it('serves the page without a token, as HTML with a strict CSP, and its script and style with their types', async () => {
    const page = await app.inject({ method: 'GET', url: '/console' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const js = await app.inject({ method: 'GET', url: '/console/console.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    const css = await app.inject({ method: 'GET', url: '/console/console.css' });
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('references only same-origin assets: no CDN, no inline script or style, no on* attributes', async () => {
    const html = (await app.inject({ method: 'GET', url: '/console' })).body;
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(['/console/console.css', '/console/console.js', '/kit/kit.css', '/kit/kit.js']);
    // The shared kit loads before the page's own script.
    expect(html.indexOf('/kit/kit.js')).toBeLessThan(html.indexOf('/console/console.js'));
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const js = readFileSync(join(DIR, 'console.js'), 'utf8');
    expect(js).not.toMatch(/https?:\/\//);
  });

  it('never writes data as HTML: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval in the script or the kit', () => {
    for (const file of [join(DIR, 'console.js'), join(DIR, '../kit/kit.js')]) {
      const js = readFileSync(file, 'utf8');
      expect(js, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    }
    // Caller and client text goes through the kit's text(), which is textContent.
    expect(readFileSync(join(DIR, '../kit/kit.js'), 'utf8')).toMatch(/function text\(el, value\) \{ el\.textContent =/);
  });

  it('every element the script looks up is on the page', () => {
    const html = readFileSync(join(DIR, 'index.html'), 'utf8');
    const js = readFileSync(join(DIR, 'console.js'), 'utf8');
    const ids = new Set([...js.matchAll(/\$\('([a-z0-9-]+)'\)/g)].map((m) => m[1]));
    for (const id of Object.keys(Object.fromEntries([...js.matchAll(/'(btn-[a-z]+)'/g)].map((m) => [m[1], 1])))) ids.add(id);
    expect(ids.size).toBeGreaterThan(20);
    for (const id of ids) expect(html, id).toContain(`id="${id}"`);
  });
});

import type { FastifyPluginAsync } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Same origin only: no inline script or style, no framework, no CDN (README "Web pages"). */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; media-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The web pages Switchboard serves, each three static files in `src/http/<page>/`: `index.html`
 * at `/<page>`, `<page>.js` and `<page>.css` beside it. `kit` holds what they share (sign-in,
 * API calls, announcements, usage reports) at `/kit/kit.js` and `/kit/kit.css`.
 */
export const PAGES = ['console', 'portal', 'wallboard', 'admin'] as const;

const HERE = dirname(fileURLToPath(import.meta.url));

function filesOf(dir: string): Record<string, { path: string; type: string }> {
  const files: Record<string, { path: string; type: string }> = {
    '/kit/kit.js': { path: join(dir, 'kit', 'kit.js'), type: 'text/javascript; charset=utf-8' },
    '/kit/kit.css': { path: join(dir, 'kit', 'kit.css'), type: 'text/css; charset=utf-8' },
  };
  for (const page of PAGES) {
    files[`/${page}`] = { path: join(dir, page, 'index.html'), type: 'text/html; charset=utf-8' };
    files[`/${page}/${page}.js`] = { path: join(dir, page, `${page}.js`), type: 'text/javascript; charset=utf-8' };
    files[`/${page}/${page}.css`] = { path: join(dir, page, `${page}.css`), type: 'text/css; charset=utf-8' };
  }
  return files;
}

/** The pages: static files read once at start (a file not there is not served). */
export function consoleRoutes(dir = HERE): FastifyPluginAsync {
  return async (app) => {
    for (const [url, { path, type }] of Object.entries(filesOf(dir))) {
      if (!existsSync(path)) continue;
      const body = readFileSync(path);
      app.get(url, { schema: { hide: true } }, async (_request, reply) =>
        reply
          .header('content-security-policy', CONSOLE_CSP)
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .header('cache-control', 'no-cache')
          .type(type)
          .send(body),
      );
    }
  };
}

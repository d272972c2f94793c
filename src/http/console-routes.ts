import type { FastifyPluginAsync } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Same origin only: no inline script or style, no framework, no CDN (README "Receptionist console"). */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const FILES: Record<string, { file: string; type: string }> = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** The receptionist console: three static files, read once at start. */
export function consoleRoutes(dir = join(dirname(fileURLToPath(import.meta.url)), 'console')): FastifyPluginAsync {
  return async (app) => {
    for (const [url, { file, type }] of Object.entries(FILES)) {
      const body = readFileSync(join(dir, file));
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

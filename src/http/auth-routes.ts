import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { UserStore } from '../ports/users';
import { bearerOf } from './access';
import { ApiError } from './errors';
import type { LoginLimiter } from './login-limiter';
import { DUMMY_HASH, newSessionToken, sessionIdOf, verifyPassword } from './passwords';

export interface AuthRoutesDeps {
  users: UserStore;
  sessionTtlMs: number;
  limiter: LoginLimiter;
  now: () => number;
}

const LoginBody = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

/** Sign in (an expiring bearer token), sign out, and who am I. */
export function authRoutes(deps: AuthRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { users, limiter } = deps;

    app.post('/auth/login', { schema: { body: LoginBody, security: [] } }, async (request, reply) => {
      const email = request.body.email.toLowerCase();
      const key = `${request.ip}|${email}`;
      const waitMs = limiter.retryAfterMs(key);
      if (waitMs > 0) {
        reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
        throw new ApiError(429, 'too-many-attempts', 'Too many failed logins; try again later.');
      }
      const found = await users.credentials(email);
      // An unknown email costs a hash too, so timing does not tell which emails exist.
      const matches = await verifyPassword(request.body.password, found?.passwordHash ?? DUMMY_HASH);
      if (!found || !matches || found.user.disabled) {
        limiter.failed(key);
        request.log.info({ userId: found?.user.id ?? null }, 'login refused');
        throw new ApiError(401, 'invalid-credentials', 'Wrong email or password.');
      }
      limiter.succeeded(key);
      const { token, id } = newSessionToken();
      const expiresAt = deps.now() + deps.sessionTtlMs;
      await users.createSession({ id, userId: found.user.id, expiresAt, now: deps.now() });
      request.log.info({ userId: found.user.id }, 'logged in');
      return { token, expiresAt: new Date(expiresAt).toISOString(), user: found.user };
    });

    app.post('/auth/logout', async (request) => {
      const token = bearerOf(request);
      if (token && request.actor?.kind === 'user') await users.deleteSession(sessionIdOf(token));
      return { ok: true };
    });

    app.get('/auth/me', async (request) => {
      const actor = request.actor;
      if (actor?.kind !== 'user') return { kind: 'service', role: 'admin', user: null };
      return { kind: 'user', role: actor.role, user: await users.user(actor.userId) };
    });
  };
}

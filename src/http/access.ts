import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { clientScopeOf, mayCall, ruleFor, scope, type Actor, type Field } from '../domain/access';
import type { UserStore, UserView } from '../ports/users';
import { ApiError } from './errors';
import { sessionIdOf } from './passwords';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, set for every /api request (null: nobody signed in). */
    actor: Actor | null;
  }
}

export interface AccessOptions {
  /** `open`: an anonymous request acts with admin rights (a demo on loopback; README "Users and access"). */
  mode: 'required' | 'open';
  /** The shared service token (SWITCHBOARD_API_TOKEN): admin rights. */
  serviceToken?: string;
  users?: UserStore;
  now: () => number;
}

export function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : null;
}

function sameSecret(given: string, wanted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function userActor(u: UserView): Actor {
  return { kind: 'user', userId: u.id, role: u.role, clientId: u.clientId, receptionistId: u.receptionistId };
}

/** The client the request is confined to; null when it may see every client. */
export function clientScope(request: FastifyRequest): string | null {
  return clientScopeOf(request.actor);
}

/**
 * Authentication and the access policy (src/domain/access.ts) on every /api route:
 * - a route without a declared rule refuses to start;
 * - onRequest: who is calling, and may their role call this route (401 / 403 before validation);
 * - preValidation: tenant scoping (a client user's clientId forced or refused, a receptionist
 *   acting only as themselves) before the schema sees the request.
 */
export function installAccess(app: FastifyInstance, opts: AccessOptions): void {
  app.decorateRequest('actor', null);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    for (const method of [route.method].flat()) {
      if (!ruleFor(method, route.url)) throw new Error(`no access rule for ${method} ${route.url} (src/domain/access.ts)`);
    }
  });

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const token = bearerOf(request);
    let actor: Actor | null = null;
    if (token && opts.serviceToken && sameSecret(token, opts.serviceToken)) actor = { kind: 'service' };
    else if (token && opts.users) {
      const user = await opts.users.sessionUser(sessionIdOf(token), opts.now());
      if (user) actor = userActor(user);
    }
    if (!actor && opts.mode === 'open') actor = { kind: 'service' };
    request.actor = actor;
    const decision = mayCall(ruleFor(request.method, request.routeOptions.url ?? ''), actor);
    if (!decision.ok) {
      throw decision.status === 401
        ? new ApiError(401, 'unauthorized', 'A valid bearer token is required.')
        : new ApiError(403, 'forbidden', 'Your role may not do this.');
    }
  });

  app.addHook('preValidation', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const parts = request as unknown as Record<Field['in'], Record<string, unknown> | undefined>;
    const decision = scope(ruleFor(request.method, request.routeOptions.url ?? ''), request.actor, (f) => parts[f.in]?.[f.key]);
    if (!decision.ok) {
      throw decision.code === 'other-client'
        ? new ApiError(403, 'other-client', 'You may only see your own client.')
        : new ApiError(403, 'not-your-receptionist', 'You may only act as yourself.');
    }
    if (decision.force) {
      const target = parts[decision.force.field.in];
      if (target && typeof target === 'object') target[decision.force.field.key] = decision.force.value;
    }
  });
}

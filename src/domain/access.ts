/**
 * Who may call which HTTP route, and how a route is scoped to the caller's tenant (README
 * "HTTP API", "Users and access"). Pure: the HTTP layer authenticates, this decides.
 */

export const ROLES = ['admin', 'supervisor', 'receptionist', 'client'] as const;
export type Role = (typeof ROLES)[number];

/** A signed-in user, or the shared service token (SWITCHBOARD_API_TOKEN: admin rights, for the CLI and ops). */
export type Actor =
  | { kind: 'service' }
  | { kind: 'user'; userId: string; role: Role; clientId: string | null; receptionistId: string | null };

/** Where a request carries a value the policy checks. */
export interface Field {
  in: 'query' | 'params' | 'body';
  key: string;
}

export interface AccessRule {
  /** No authentication at all (login, the OpenAPI document). */
  public?: true;
  /** Roles allowed; the service token always is. */
  roles: readonly Role[];
  /** For client users: this field is their client id (forced when absent, 403 when another). */
  clientField?: Field;
  /** For receptionists: this field must be their own receptionist id. */
  receptionistField?: Field;
}

const STAFF: readonly Role[] = ['admin', 'supervisor', 'receptionist'];
const ALL: readonly Role[] = ROLES;
const clientQuery: Field = { in: 'query', key: 'clientId' };
const clientParam: Field = { in: 'params', key: 'clientId' };

/**
 * Every /api route, by `METHOD /api/path` as Fastify registers it. A route missing here refuses
 * to start (src/http/server.ts), so nothing new is ever left open by mistake.
 * Client users only ever see their own client: lists are filtered by a forced clientId, and a
 * record of another client answers as if it did not exist (404).
 */
export const ACCESS: Readonly<Record<string, AccessRule>> = {
  'POST /api/auth/login': { public: true, roles: ALL },
  'POST /api/auth/logout': { roles: ALL },
  'GET /api/auth/me': { roles: ALL },
  'GET /api/openapi.json': { public: true, roles: ALL },

  'GET /api/users': { roles: ['admin'] },
  'POST /api/users': { roles: ['admin'] },
  'PATCH /api/users/:id': { roles: ['admin'] },

  'GET /api/receptionists': { roles: STAFF },
  'GET /api/receptionists/:id': { roles: STAFF },
  'PUT /api/receptionists/:id/presence': { roles: STAFF, receptionistField: { in: 'params', key: 'id' } },
  'GET /api/queue': { roles: STAFF },
  'GET /api/calls/live': { roles: STAFF },
  'GET /api/calls': { roles: ALL, clientField: clientQuery },
  // The record's owner is checked by the route (404 for another client's call).
  'GET /api/calls/:id': { roles: ALL },
  'GET /api/events': { roles: STAFF },
  // The console's WebSocket; a client user's stream holds only their client's callers (scoped in the route).
  'GET /api/live': { roles: ALL, clientField: clientQuery },

  // In-call operations: the receptionist on the call (the domain checks `not-your-call`) or an admin.
  ...Object.fromEntries(
    ['transfer', 'transfer/complete', 'transfer/cancel', 'transfer/three-way', 'hold', 'resume', 'voicemail', 'hangup', 'park'].map((op) => [
      `POST /api/calls/:id/${op}`,
      { roles: ['admin', 'receptionist'], receptionistField: { in: 'body', key: 'receptionistId' } } satisfies AccessRule,
    ]),
  ),
  'GET /api/parked': { roles: STAFF },
  'POST /api/parked/:slot/retrieve': { roles: ['admin', 'receptionist'], receptionistField: { in: 'body', key: 'receptionistId' } },

  'POST /api/callbacks': { roles: STAFF },
  'GET /api/callbacks': { roles: ALL, clientField: clientQuery },
  'GET /api/callbacks/:id': { roles: ALL, clientField: clientQuery },
  'DELETE /api/callbacks/:id': { roles: STAFF },

  'POST /api/messages': { roles: STAFF },
  'GET /api/messages': { roles: ['admin', 'supervisor', 'client'], clientField: clientQuery },
  'GET /api/messages/:id': { roles: ['admin', 'supervisor', 'client'], clientField: clientQuery },
  'GET /api/clients/:clientId/delivery-channels': { roles: ['admin', 'supervisor', 'client'], clientField: clientParam },
  'PUT /api/clients/:clientId/delivery-channels': { roles: ['admin', 'client'], clientField: clientParam },

  'GET /api/admin/queues': { roles: ['admin'] },
  'GET /api/admin/queues/:name/failed': { roles: ['admin'] },
  'POST /api/admin/queues/:name/retry': { roles: ['admin'] },
  'POST /api/admin/reload': { roles: ['admin'] },

  // The client portal (docs/portal.md): a client user reads and edits only its own client; staff read every client.
  'GET /api/clients': { roles: ['admin', 'supervisor', 'client'] },
  'GET /api/clients/:clientId/settings': { roles: ['admin', 'supervisor', 'receptionist', 'client'], clientField: clientParam },
  'PUT /api/clients/:clientId/greeting': { roles: ['admin', 'client'], clientField: clientParam },
  'PUT /api/clients/:clientId/status': { roles: ['admin', 'supervisor', 'client'], clientField: clientParam },
  'DELETE /api/clients/:clientId/status': { roles: ['admin', 'supervisor', 'client'], clientField: clientParam },
  'PUT /api/clients/:clientId/contacts/:code': { roles: ['admin', 'client'], clientField: clientParam },
  'DELETE /api/clients/:clientId/contacts/:code': { roles: ['admin', 'client'], clientField: clientParam },
  'PUT /api/clients/:clientId/hours': { roles: ['admin', 'client'], clientField: clientParam },
  'PUT /api/clients/:clientId/closures': { roles: ['admin', 'client'], clientField: clientParam },
  'PUT /api/clients/:clientId/after-hours': { roles: ['admin', 'client'], clientField: clientParam },
  'POST /api/messages/:id/handled': { roles: ['admin', 'supervisor', 'client'], clientField: { in: 'body', key: 'clientId' } },
  'GET /api/messages/:id/audio': { roles: ['admin', 'supervisor', 'client'], clientField: clientQuery },

  // Announcements: admins publish; everyone signed in reads those meant for them, in their window.
  'GET /api/announcements': { roles: ALL },
  'GET /api/admin/announcements': { roles: ['admin'] },
  'POST /api/admin/announcements': { roles: ['admin'] },
  'DELETE /api/admin/announcements/:id': { roles: ['admin'] },

  // Product usage (first-party, no trackers): every signed-in page reports its own actions; admins read the figures.
  'POST /api/usage': { roles: ALL },
  'GET /api/admin/usage': { roles: ['admin'] },

  // The supervisor wallboard's figures of the day.
  'GET /api/wallboard/today': { roles: ['admin', 'supervisor'] },

  'GET /api/analytics/intervals': { roles: ['admin', 'supervisor'] },
  'GET /api/analytics/billing': { roles: ['admin', 'supervisor', 'client'], clientField: clientQuery },
  'PUT /api/calls/:id/disposition': { roles: ['admin', 'supervisor'] },
  'POST /api/analytics/recompute': { roles: ['admin'] },
};

/** The rule of a route; HEAD is answered as GET. */
export function ruleFor(method: string, url: string): AccessRule | undefined {
  return ACCESS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

export type RoleDecision = { ok: true } | { ok: false; status: 401 | 403; code: 'unauthorized' | 'forbidden' };

/** Before validation: may this actor (null = anonymous) call the route at all? */
export function mayCall(rule: AccessRule | undefined, actor: Actor | null): RoleDecision {
  if (rule?.public) return { ok: true };
  if (!actor) return { ok: false, status: 401, code: 'unauthorized' };
  if (!rule) return { ok: true }; // an unmatched URL: answered 404 by the not-found handler
  if (actor.kind === 'service' || rule.roles.includes(actor.role)) return { ok: true };
  return { ok: false, status: 403, code: 'forbidden' };
}

export type ScopeDecision =
  | { ok: true; force?: { field: Field; value: string } }
  | { ok: false; status: 403; code: 'other-client' | 'not-your-receptionist' };

/**
 * After validation: the tenant checks. A client user naming another client gets 403
 * `other-client`; without a clientId they get theirs. A receptionist acting as another gets 403
 * `not-your-receptionist`.
 */
export function scope(rule: AccessRule | undefined, actor: Actor | null, read: (field: Field) => unknown): ScopeDecision {
  if (!rule || !actor || actor.kind === 'service') return { ok: true };
  if (actor.role === 'client' && rule.clientField) {
    const own = actor.clientId ?? '';
    const given = read(rule.clientField);
    if (given !== undefined && given !== own) return { ok: false, status: 403, code: 'other-client' };
    if (given === undefined) return { ok: true, force: { field: rule.clientField, value: own } };
  }
  if (actor.role === 'receptionist' && rule.receptionistField) {
    if (read(rule.receptionistField) !== actor.receptionistId) return { ok: false, status: 403, code: 'not-your-receptionist' };
  }
  return { ok: true };
}

/** The client a request is confined to (null: it sees every client). */
export function clientScopeOf(actor: Actor | null): string | null {
  return actor?.kind === 'user' && actor.role === 'client' ? (actor.clientId ?? '') : null;
}

/** What a user row must satisfy: a client user has a client, a receptionist a receptionist id, others neither. */
export function checkUserShape(u: { role: Role; clientId: string | null; receptionistId: string | null }): string | null {
  if (u.role === 'client' && !u.clientId) return 'a client user needs a clientId';
  if (u.role !== 'client' && u.clientId) return 'only a client user has a clientId';
  if (u.role === 'receptionist' && !u.receptionistId) return 'a receptionist user needs a receptionistId';
  if (u.role !== 'receptionist' && u.receptionistId) return 'only a receptionist user has a receptionistId';
  return null;
}

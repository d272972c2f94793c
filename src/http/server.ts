import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import swagger from '@fastify/swagger';
import type { UserStore } from '../ports/users';
import { installAccess } from './access';
import { authRoutes } from './auth-routes';
import { ApiError } from './errors';
import { LoginLimiter } from './login-limiter';
import { userRoutes } from './user-routes';
import { adminRoutes, type AdminRoutesDeps } from './admin-routes';
import { callRoutes, type CallRoutesDeps } from './call-routes';
import { callbackRoutes, type CallbackRoutesDeps } from './callback-routes';
import { featureRoutes } from './feature-routes';
import { healthRoutes, type HealthCheck } from './health-routes';
import { analyticsRoutes, type AnalyticsRoutesDeps } from './analytics-routes';
import { jobRoutes, type JobRoutesDeps } from './job-routes';
import { messageRoutes, type MessageRoutesDeps } from './message-routes';
import { liveRoutes, type LiveClientStatus, type LiveRoutesDeps } from './live-routes';
import { consoleRoutes } from './console-routes';
import { clientRoutes } from './client-routes';
import type { ClientSettingsStore, ClientStatusView } from '../ports/client-settings';
import { DEFAULT_DESTINATION_POLICY, type DestinationPolicy } from '../domain/destinations';
import { wallboardRoutes, type WallboardRoutesDeps } from './wallboard-routes';
import { announcementRoutes, type AnnouncementRoutesDeps } from './announcement-routes';
import { usageRoutes, type UsageRoutesDeps } from './usage-routes';

/** The Prometheus page and the HTTP latency it records (see adapters/metrics). */
export interface HttpMetrics {
  readonly contentType: string;
  render(): Promise<string>;
  httpRequest(method: string, route: string, status: number, seconds: number): void;
}

/** Users, sessions and the access mode (README "Users and access"). */
export interface HttpAuth {
  users: UserStore;
  /** `required`: every /api route but login and the OpenAPI document needs a token. */
  mode: 'required' | 'open';
  sessionTtlMs: number;
  /** Failed logins per IP + email within the window before 429 (default 5 per 15 minutes). */
  loginLimit?: { maxFailures: number; windowMs: number };
}

export interface HttpDeps extends CallRoutesDeps, Partial<AdminRoutesDeps> {
  /** The `http` module's logger. */
  logger: Logger;
  /** The shared service token: admin rights (the CLI, ops). */
  apiToken?: string;
  /**
   * Users and sessions. Without it (tests of single route groups) there are no users: the API
   * wants the service token when one is given, and is open otherwise.
   */
  auth?: HttpAuth;
  health: HealthCheck;
  metrics?: HttpMetrics;
  /** Callbacks (docs/callbacks.md), served when given. */
  callbacks?: CallbackRoutesDeps['callbacks'];
  /** Messages, jobs admin and analytics routes are served when their deps are given. */
  messaging?: MessageRoutesDeps['messaging'];
  jobs?: JobRoutesDeps['jobs'];
  analytics?: AnalyticsRoutesDeps['analytics'];
  /** The live WebSocket (`GET /api/live`): client names and contacts, PBX events, limits. */
  live?: Pick<LiveRoutesDeps, 'directory' | 'changes' | 'limits' | 'callerNote'>;
  /** Today's figures of the supervisor wallboard (`GET /api/wallboard/today`), served when given. */
  wallboard?: WallboardRoutesDeps['wallboard'];
  /** The client portal's settings routes (docs/portal.md), served when given; `policy`: the transfer policy (default: DEFAULT_DESTINATION_POLICY). */
  clientSettings?: { store: ClientSettingsStore; policy?: DestinationPolicy };
  /** Announcements (published by admins, read by every page), served when given. */
  announcements?: AnnouncementRoutesDeps['announcements'];
  /** First-party product usage (reports and the admin figures), served when given. */
  usage?: UsageRoutesDeps['usage'];
}

/** What a console shows of a client's status (the rest of the view is the portal's). */
function liveStatuses(views: Map<string, ClientStatusView | null>): Map<string, LiveClientStatus | null> {
  const out = new Map<string, LiveClientStatus | null>();
  for (const [id, v] of views) out.set(id, v ? { text: v.text, instruction: v.instruction, startsAt: v.startsAt, endsAt: v.endsAt } : null);
  return out;
}

/** The HTTP API: JSON schemas on every route, stable error codes, no internals in 5xx bodies. */
export function buildHttp(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Reject unknown fields (e.g. a clientId or role smuggled into a body) instead of dropping them.
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
    }
    const e = err as { validation?: unknown; statusCode?: number; message: string; code?: string };
    if (e.validation) {
      return reply.status(400).send({ error: { code: 'bad-request', message: e.message } });
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.status(e.statusCode).send({ error: { code: 'bad-request', message: e.message } });
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side.' } });
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: { code: 'not-found', message: 'No such route.' } }));

  const auth = deps.auth;
  const now = () => deps.clock.now();
  installAccess(app, { mode: auth?.mode ?? (deps.apiToken ? 'required' : 'open'), serviceToken: deps.apiToken, users: auth?.users, now });

  // The OpenAPI document is built from the routes' TypeBox schemas as they register.
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard', version: '1', description: 'Call control for live virtual-receptionist services. Errors: {"error":{"code","message"}}.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A session token from POST /api/auth/login, or the service token.' } } },
      security: [{ bearer: [] }],
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const metrics = deps.metrics;
  if (metrics) {
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, not the URL: ids in paths must not become label values.
      metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  }
  app.register(healthRoutes(deps.health));
  if (auth) {
    const limit = auth.loginLimit ?? { maxFailures: 5, windowMs: 15 * 60_000 };
    app.register(authRoutes({ users: auth.users, sessionTtlMs: auth.sessionTtlMs, limiter: new LoginLimiter({ ...limit, now }), now }), { prefix: '/api' });
    app.register(userRoutes({ users: auth.users }), { prefix: '/api' });
  }
  app.register(callRoutes(deps), { prefix: '/api' });
  app.register(featureRoutes(deps), { prefix: '/api' });
  if (deps.callbacks) app.register(callbackRoutes({ callbacks: deps.callbacks }), { prefix: '/api' });
  if (deps.messaging) app.register(messageRoutes({ messaging: deps.messaging }), { prefix: '/api' });
  if (deps.jobs) app.register(jobRoutes({ jobs: deps.jobs }), { prefix: '/api' });
  if (deps.analytics) app.register(analyticsRoutes({ analytics: deps.analytics, callLog: deps.callLog }), { prefix: '/api' });
  if (deps.wallboard) app.register(wallboardRoutes({ wallboard: deps.wallboard }), { prefix: '/api' });
  const settings = deps.clientSettings?.store;
  const announcements = deps.announcements;
  const live: Partial<LiveRoutesDeps> = {
    ...deps.live,
    ...(settings ? { statuses: async (ids: string[]) => liveStatuses(await settings.currentStatuses(ids, now())) } : {}),
    ...(announcements ? { announcements: (atMs: number) => announcements.active(atMs) } : {}),
  };
  app.register(liveRoutes({ ...live, calls: deps.calls, hub: deps.hub, clock: deps.clock, auth: { mode: auth?.mode ?? (deps.apiToken ? 'required' : 'open'), serviceToken: deps.apiToken, users: auth?.users, now } }), { prefix: '/api' });
  if (deps.clientSettings) {
    const { store, policy } = deps.clientSettings;
    app.register(clientRoutes({ settings: store, policy: policy ?? DEFAULT_DESTINATION_POLICY, hub: deps.hub, clock: deps.clock, messaging: deps.messaging }), { prefix: '/api' });
  }
  if (deps.announcements) app.register(announcementRoutes({ announcements: deps.announcements, hub: deps.hub, clock: deps.clock }), { prefix: '/api' });
  if (deps.usage) app.register(usageRoutes({ usage: deps.usage, clock: deps.clock }), { prefix: '/api' });
  app.register(consoleRoutes());
  app.register(adminRoutes({ pbxAdmin: deps.pbxAdmin ?? null }), { prefix: '/api' });
  return app as unknown as FastifyInstance;
}

import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ANNOUNCEMENT_AUDIENCES, ANNOUNCEMENT_LEVELS, checkDraft, ENDED_KEPT_MS, stateAt, viewerOf, visibleTo, type Announcement } from '../domain/announcements';
import type { AnnouncementStore } from '../ports/announcements';
import type { Clock } from '../ports/clock';
import type { Notifier } from '../ports/notifier';
import { ApiError, notFound } from './errors';

export interface AnnouncementRoutesDeps {
  announcements: AnnouncementStore;
  hub: Notifier;
  clock: Clock;
}

const IsoTime = Type.String({ format: 'date-time' });

const DraftBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 500 }),
    level: Type.Union(ANNOUNCEMENT_LEVELS.map((l) => Type.Literal(l))),
    audience: Type.Union(ANNOUNCEMENT_AUDIENCES.map((a) => Type.Literal(a))),
    startsAt: IsoTime,
    endsAt: IsoTime,
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const iso = (ms: number) => new Date(ms).toISOString();

/** What consoles and the portal show. */
function bannerJson(a: Announcement) {
  return { id: a.id, text: a.text, level: a.level, audience: a.audience, startsAt: iso(a.startsAt), endsAt: iso(a.endsAt) };
}

/** What admins see: also its state now, who published it and when, and whether it was withdrawn. */
function adminJson(a: Announcement, atMs: number) {
  return {
    ...bannerJson(a),
    state: stateAt(a, atMs),
    createdBy: a.createdBy,
    createdAt: iso(a.createdAt),
    withdrawnAt: a.withdrawnAt === null ? null : iso(a.withdrawnAt),
  };
}

/**
 * Announcements: admins publish a banner for a window of time and may withdraw it; everyone
 * signed in reads those meant for them now. Each change is a notice, so live screens refresh.
 */
export function announcementRoutes(deps: AnnouncementRoutesDeps): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { announcements, hub, clock } = deps;

    app.get('/announcements', async (request) => {
      const now = clock.now();
      const viewer = viewerOf(request.actor ?? { kind: 'service' });
      return { announcements: visibleTo(await announcements.active(now), viewer, now).map(bannerJson) };
    });

    app.get('/admin/announcements', async () => {
      const now = clock.now();
      return { announcements: (await announcements.list({ endedAfterMs: now - ENDED_KEPT_MS })).map((a) => adminJson(a, now)) };
    });

    app.post('/admin/announcements', { schema: { body: DraftBody } }, async (request, reply) => {
      const b = request.body;
      const now = clock.now();
      const draft = { text: b.text, level: b.level, audience: b.audience, startsAt: Date.parse(b.startsAt), endsAt: Date.parse(b.endsAt) };
      const problem = checkDraft(draft, now);
      if (problem) throw new ApiError(400, problem.code, problem.message);
      const actor = request.actor;
      const saved = await announcements.create({ ...draft, createdBy: actor?.kind === 'user' ? actor.userId : null, createdAt: now });
      request.log.info({ announcementId: saved.id, audience: saved.audience, userId: saved.createdBy }, 'announcement published');
      hub.publish({ type: 'announcements-changed' });
      return reply.status(201).send(adminJson(saved, now));
    });

    app.delete('/admin/announcements/:id', { schema: { params: IdParams } }, async (request, reply) => {
      const result = await announcements.withdraw(request.params.id, clock.now());
      if (result === 'no-such-announcement') throw notFound('no-such-announcement', 'No announcement with that id.');
      if (result === 'withdrawn') {
        const actor = request.actor;
        request.log.info({ announcementId: request.params.id, userId: actor?.kind === 'user' ? actor.userId : null }, 'announcement withdrawn');
        hub.publish({ type: 'announcements-changed' });
      }
      return reply.status(204).send();
    });
  };
}

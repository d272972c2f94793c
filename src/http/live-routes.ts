import type { FastifyPluginAsync } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CallService } from '../calls/call-service';
import type { NoticeHub } from '../adapters/runtime/notice-hub';
import type { Clock } from '../ports/clock';
import type { Directory } from '../ports/directory';
import type { UserStore } from '../ports/users';
import type { ClientContact } from '../domain/destinations';
import type { ClientProfile } from '../domain/model';
import type { ScreenPop } from '../domain/messages';
import { mayCall, ruleFor, type Actor } from '../domain/access';
import { visibleTo, type Announcement } from '../domain/announcements';
import type { CallerNote } from '../domain/caller-notes';
import { statusActive } from '../domain/client-settings';
import { userActor } from './access';
import { sessionIdOf } from './passwords';

/**
 * `GET /api/live`: a WebSocket of whole snapshots (README "Receptionist console"). Every change
 * (a PBX event, a notice) schedules one rebuild `debounceMs` later; each scope (everyone, one
 * receptionist, one client) is built once and sent only when it differs from what that scope was
 * last sent. Browsers cannot set headers on a WebSocket: they send the token as the subprotocol
 * `bearer.<token>` next to `switchboard.live` (the server answers `switchboard.live`).
 */
export interface LiveRoutesDeps {
  calls: CallService;
  hub: NoticeHub;
  clock: Clock;
  /** Client names, greetings and contacts; without it a client is shown by its id. */
  directory?: Pick<Directory, 'client' | 'transferRules'>;
  /** PBX events: each one may change the queue or a state (`ari.on('event', …)`). */
  changes?: (listener: () => void) => void;
  auth: { mode: 'required' | 'open'; serviceToken?: string; users?: UserStore; now: () => number };
  limits?: Partial<LiveLimits>;
  /** Each client's posted status (the portal), current or scheduled; absent: none shown. */
  statuses?: (clientIds: string[]) => Promise<Map<string, LiveClientStatus | null>>;
  /** Notes about the caller of a call in hand (caller lists, earlier calls); read once per call. */
  callerNote?: (call: { clientId: string; callerNumber: string; arrivedAt: number }) => Promise<CallerNote>;
  /** Announcements active at `atMs`, every audience (filtered per scope here). */
  announcements?: (atMs: number) => Promise<Announcement[]>;
}

/** A client's status as receptionists see it ("out until 3 pm: offer to cancel afternoon appointments"). */
export interface LiveClientStatus {
  text: string;
  /** What the client asked receptionists to do: none, voicemail-all, screen-all, take-message. */
  instruction: string;
  startsAt: string | null;
  endsAt: string | null;
}


export interface LiveLimits {
  maxConnections: number;
  /** A socket with more than this many bytes not yet written is closed with 1013. */
  maxBufferedBytes: number;
  heartbeatMs: number;
  debounceMs: number;
  /** A rebuild at least this often, so a status or banner whose window opens or closes shows without an event. */
  tickMs: number;
}

const DEFAULT_LIMITS: LiveLimits = { maxConnections: 1000, maxBufferedBytes: 1 << 20, heartbeatMs: 20_000, debounceMs: 10, tickMs: 5_000 };
export const LIVE_PROTOCOL = 'switchboard.live';
const CLIENT_TTL_MS = 30_000;
/** Announcements are read again this often, so one that starts on schedule shows within a tick. */
const BANNER_TTL_MS = 5_000;

interface Scope {
  key: string;
  clientId: string | null;
  receptionistId: string | null;
  pops: 'all' | 'own' | 'none';
}

interface Conn {
  ws: WebSocket;
  scope: Scope;
  alive: boolean;
}

function scopeOf(actor: Actor): Scope {
  if (actor.kind === 'service' || actor.role === 'admin' || actor.role === 'supervisor') return { key: 'all', clientId: null, receptionistId: null, pops: 'all' };
  if (actor.role === 'receptionist') return { key: `r:${actor.receptionistId}`, clientId: null, receptionistId: actor.receptionistId, pops: 'own' };
  return { key: `c:${actor.clientId ?? ''}`, clientId: actor.clientId ?? '', receptionistId: null, pops: 'none' };
}

function sameSecret(given: string, wanted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bearer token of an upgrade: the Authorization header, or the `bearer.<token>` subprotocol. */
function tokenOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const p = protocols.find((x) => x.startsWith('bearer.'));
  return p ? p.slice(7) : null;
}

/** The snapshots, built per scope from the call service's read models. */
class LiveFeed {
  private readonly clients = new Map<string, { at: number; profile: ClientProfile | null; contacts: ClientContact[]; status: LiveClientStatus | null }>();
  private readonly lastSent = new Map<string, string>();
  private announcements: { at: number; list: Announcement[] } = { at: -Infinity, list: [] };
  private readonly notes = new Map<string, CallerNote | null>();

  /** `onLateData`: something read off the build path (a caller note) has arrived: rebuild. */
  constructor(
    private readonly deps: LiveRoutesDeps,
    private readonly onLateData: () => void = () => undefined,
  ) {}

  /** Fetches names, contacts and statuses not cached yet (or stale), so a build never waits on PostgreSQL twice. */
  async warm(clientIds: Iterable<string>): Promise<void> {
    const { directory, statuses, announcements } = this.deps;
    const now = this.deps.clock.now();
    const refreshBanners =
      announcements && this.announcements.at <= now - BANNER_TTL_MS
        ? announcements(now).then((list) => (this.announcements = { at: now, list }), () => undefined)
        : undefined;
    const missing = [...new Set(clientIds)].filter((id) => (this.clients.get(id)?.at ?? -Infinity) < now - CLIENT_TTL_MS);
    if (missing.length > 0 && (directory || statuses)) {
      const [byClient, statusOf] = await Promise.all([
        Promise.all(
          missing.map(async (id) => {
            if (!directory) return { id, profile: null, contacts: [] };
            const [profile, rules] = await Promise.all([directory.client(id).catch(() => null), directory.transferRules(id).catch(() => ({ contacts: [], allow: [] }))]);
            return { id, profile, contacts: rules.contacts };
          }),
        ),
        statuses ? statuses(missing).catch(() => new Map<string, LiveClientStatus | null>()) : new Map<string, LiveClientStatus | null>(),
      ]);
      for (const c of byClient) this.clients.set(c.id, { at: now, profile: c.profile, contacts: c.contacts, status: statusOf.get(c.id) ?? null });
    }
    this.startNotes();
    await refreshBanners;
  }

  /**
   * Caller notes for the calls ringing or in hand, read once per call and forgotten when it
   * ends. Off the build path: the ringing call shows at once, its note one rebuild later.
   */
  private startNotes(): void {
    const read = this.deps.callerNote;
    if (!read) return;
    const live = this.deps.calls.liveCalls();
    const ids = new Set(live.map((c) => c.id));
    for (const id of this.notes.keys()) if (!ids.has(id)) this.notes.delete(id);
    for (const c of live) {
      if (!(c.receptionistId || c.offer) || this.notes.has(c.id)) continue;
      this.notes.set(c.id, null); // asked once, even while the read is under way
      void read({ clientId: c.clientId, callerNumber: c.caller.number, arrivedAt: c.arrivedAt })
        .then((note) => {
          if (!this.notes.has(c.id)) return; // the call ended meanwhile
          this.notes.set(c.id, note);
          this.onLateData();
        })
        .catch(() => undefined);
    }
  }

  /** A client's details changed (the portal): read again at the next build. */
  forgetClient(clientId: string): void {
    this.clients.delete(clientId);
  }

  /** Announcements were published or withdrawn: read again at the next build. */
  forgetAnnouncements(): void {
    this.announcements = { at: -Infinity, list: [] };
  }

  /** The client ids a build needs: callers in play, plus a client user's own. */
  clientIdsFor(scopes: Iterable<Scope>): string[] {
    const ids = this.clientIdsInPlay();
    for (const s of scopes) if (s.clientId) ids.push(s.clientId);
    return ids;
  }

  /** The status of a client now, when its window includes now. */
  private statusOf(clientId: string, now: number): LiveClientStatus | null {
    const status = this.clients.get(clientId)?.status ?? null;
    if (!status) return null;
    const at = (iso: string | null) => (iso === null ? null : Date.parse(iso));
    return statusActive({ startsAt: at(status.startsAt), endsAt: at(status.endsAt) }, now) ? status : null;
  }

  private bannersFor(scope: Scope, now: number) {
    const viewer = scope.clientId !== null ? 'client' : scope.receptionistId !== null ? 'receptionist' : 'all';
    return visibleTo(this.announcements.list, viewer, now).map((a) => ({
      id: a.id,
      text: a.text,
      level: a.level,
      audience: a.audience,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: new Date(a.endsAt).toISOString(),
    }));
  }

  clientIdsInPlay(): string[] {
    return [...this.deps.calls.liveCalls().map((c) => c.clientId), ...this.deps.calls.parked().map((p) => p.clientId)];
  }

  private clientName(id: string): string {
    return this.clients.get(id)?.profile?.name ?? id;
  }

  /** The stable part of a scope's snapshot (times as instants, so it can be compared). */
  private stable(scope: Scope) {
    const { calls } = this.deps;
    const now = this.deps.clock.now();
    const mine = (clientId: string) => scope.clientId === null || clientId === scope.clientId;
    const queue = calls
      .waiting()
      .filter((c) => mine(c.clientId))
      .map((c) => ({
        callId: c.id,
        clientId: c.clientId,
        clientName: this.clientName(c.clientId),
        callerName: c.caller.name,
        callerNumber: c.caller.number,
        did: c.did,
        arrivedAt: c.arrivedAt,
        clientStatus: this.statusOf(c.clientId, now),
      }));
    const parked = calls
      .parked()
      .filter((p) => mine(p.clientId))
      .map((p) => ({ slot: p.slot, callId: p.callId, clientId: p.clientId, clientName: this.clientName(p.clientId), callerName: p.callerName, callerNumber: p.callerNumber, parkedBy: p.parkedBy, since: p.since }));
    const receptionists =
      scope.clientId !== null
        ? []
        : calls.receptionists().map((r) => ({ id: r.id, name: r.name, presence: r.presence, presenceSince: r.presenceSince, reachable: r.reachable }));
    return {
      queue,
      parked,
      receptionists,
      announcements: this.bannersFor(scope, now),
      ...(scope.clientId !== null ? { client: { id: scope.clientId, name: this.clientName(scope.clientId), status: this.statusOf(scope.clientId, now) } } : {}),
      me: scope.receptionistId ? this.me(scope.receptionistId, now) : undefined,
    };
  }

  private me(receptionistId: string, now: number) {
    const { calls } = this.deps;
    const state = calls.receptionist(receptionistId);
    if (!state) return undefined;
    const live = calls.liveCalls();
    const c = live.find((x) => x.receptionistId === receptionistId) ?? live.find((x) => x.offer?.receptionistId === receptionistId && !x.park);
    const client = c ? this.clients.get(c.clientId) : undefined;
    const status = !c
      ? null
      : c.phase === 'offering'
        ? 'ringing'
        : c.transfer?.mode === 'announced'
          ? c.transfer.threeWay
            ? 'three-way'
            : `consulting ${c.transfer.destination}`
          : c.transfer
            ? `transferring to ${c.transfer.destination}`
            : c.heldByReceptionist
              ? 'on hold'
              : c.phase;
    return {
      receptionist: { id: state.id, name: state.name, presence: state.presence, presenceSince: state.presenceSince, reachable: state.reachable, unreachableReason: state.unreachableReason },
      call: c
        ? {
            callId: c.id,
            clientId: c.clientId,
            clientName: client?.profile?.name ?? c.clientId,
            greeting: client?.profile?.greeting ?? '',
            clientStatus: this.statusOf(c.clientId, now),
            callerNote: this.notes.get(c.id) ?? null,
            callerName: c.caller.name,
            callerNumber: c.caller.number,
            did: c.did,
            arrivedAt: c.arrivedAt,
            answeredAt: c.answeredAt,
            phase: c.phase,
            onHold: c.heldByReceptionist ?? false,
            transfer: c.transfer ?? null,
            status,
            contacts: (client?.contacts ?? []).map((k) => ({ code: k.code, name: k.name, number: k.number, extension: k.extension, alwaysScreen: k.alwaysScreen, availability: k.availability, note: k.note })),
          }
        : null,
    };
  }

  /** The message for a scope, or null when its stable part has not changed since it was last sent (unless forced). */
  message(scope: Scope, force: boolean, cache?: Map<string, string | null>): string | null {
    const cached = cache?.get(scope.key);
    if (cached !== undefined) return cached;
    const s = this.stable(scope);
    const fingerprint = JSON.stringify(s);
    const changed = this.lastSent.get(scope.key) !== fingerprint;
    let out: string | null = null;
    if (changed || force) {
      const now = this.deps.clock.now();
      const me = s.me?.call ? { ...s.me, call: { ...s.me.call, waitMs: (s.me.call.answeredAt ?? now) - s.me.call.arrivedAt } } : s.me;
      out = JSON.stringify({
        type: 'snapshot',
        at: now,
        queue: s.queue.map((q, i) => ({ ...q, position: i + 1, waitMs: now - q.arrivedAt })),
        parked: s.parked.map((p) => ({ ...p, parkedMs: now - p.since })),
        receptionists: s.receptionists,
        announcements: s.announcements,
        ...(s.client ? { client: s.client } : {}),
        ...(me ? { me } : {}),
      });
    }
    // A forced message (a new socket) must not count as sent to the others of its scope.
    if (changed && !force) this.lastSent.set(scope.key, fingerprint);
    cache?.set(scope.key, changed ? out : null);
    return out;
  }
}

/** `GET /api/live`: WebSocket upgrade (snapshots); a plain GET answers the caller's current snapshot as JSON. */
export function liveRoutes(deps: LiveRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const limits = { ...DEFAULT_LIMITS, ...deps.limits };
    const feed = new LiveFeed(deps, () => changed());
    const conns = new Set<Conn>();
    const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, handleProtocols: (p) => (p.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false) });
    let timer: NodeJS.Timeout | null = null;
    let building = false;
    let again = false;

    const send = (c: Conn, text: string) => {
      if (c.ws.readyState !== c.ws.OPEN) return;
      // A console that cannot keep up is dropped; it reconnects and gets a whole snapshot.
      if (c.ws.bufferedAmount > limits.maxBufferedBytes) {
        c.ws.close(1013, 'too slow');
        c.ws.terminate();
        return;
      }
      c.ws.send(text);
    };

    const flush = async () => {
      timer = null;
      if (building) {
        again = true;
        return;
      }
      building = true;
      try {
        await feed.warm(feed.clientIdsFor([...conns].map((c) => c.scope)));
        const cache = new Map<string, string | null>();
        for (const c of conns) {
          const text = feed.message(c.scope, false, cache);
          if (text) send(c, text);
        }
      } finally {
        building = false;
        if (again) {
          again = false;
          changed();
        }
      }
    };
    const changed = () => {
      if (timer || conns.size === 0) return;
      timer = setTimeout(() => void flush().catch((err) => app.log.error({ err }, 'live snapshot failed')), limits.debounceMs);
      timer.unref();
    };

    const pop = (p: ScreenPop) => {
      const text = JSON.stringify({ type: 'screen-pop', ...p });
      for (const c of conns) {
        if (c.scope.pops === 'all' || (c.scope.pops === 'own' && c.scope.receptionistId === p.receptionistId)) send(c, text);
      }
    };
    const unsubscribe = deps.hub.subscribe((notice) => {
      if (notice.type === 'screen-pop') pop(notice.pop);
      if (notice.type === 'client-changed') feed.forgetClient(notice.clientId);
      if (notice.type === 'announcements-changed') feed.forgetAnnouncements();
      changed();
    });
    deps.changes?.(changed);

    const heartbeat = setInterval(() => {
      for (const c of conns) {
        if (!c.alive) {
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        c.ws.ping();
      }
    }, limits.heartbeatMs);
    heartbeat.unref();
    // Windows open and close with no event: a status from 3 pm, a banner until 6 pm.
    const tick = setInterval(changed, limits.tickMs);
    tick.unref();

    const authenticate = async (req: IncomingMessage): Promise<Actor | null> => {
      const token = tokenOf(req);
      const { serviceToken, users, mode, now } = deps.auth;
      if (token && serviceToken && sameSecret(token, serviceToken)) return { kind: 'service' };
      if (token && users) {
        const user = await users.sessionUser(sessionIdOf(token), now());
        if (user) return userActor(user);
      }
      return mode === 'open' ? { kind: 'service' } : null;
    };

    const refuse = (socket: Duplex, status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ error: { code: status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'unavailable', message: text } })}`);
    };

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/api/live') {
        refuse(socket, 404, 'Not Found');
        return;
      }
      socket.on('error', () => socket.destroy());
      authenticate(req)
        .then((actor) => {
          const decision = mayCall(ruleFor('GET', '/api/live'), actor);
          if (!actor || !decision.ok) return refuse(socket, actor ? 403 : 401, actor ? 'Forbidden' : 'Unauthorized');
          if (conns.size >= limits.maxConnections) return refuse(socket, 503, 'Service Unavailable');
          wss.handleUpgrade(req, socket, head, (ws) => {
            const conn: Conn = { ws, scope: scopeOf(actor), alive: true };
            conns.add(conn);
            ws.on('pong', () => (conn.alive = true));
            ws.on('message', () => undefined); // consoles only listen
            ws.on('error', () => ws.terminate());
            ws.on('close', () => conns.delete(conn));
            void feed.warm(feed.clientIdsFor([conn.scope])).then(() => {
              const text = feed.message(conn.scope, true);
              if (text) send(conn, text);
            }, () => undefined);
          });
        })
        .catch((err) => {
          app.log.error({ err }, 'live upgrade failed');
          refuse(socket, 503, 'Service Unavailable');
        });
    };
    app.server.on('upgrade', onUpgrade);

    app.addHook('preClose', async () => {
      app.server.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      clearInterval(tick);
      if (timer) clearTimeout(timer);
      unsubscribe();
      for (const c of conns) c.ws.terminate();
      conns.clear();
      wss.close();
    });

    app.get('/live', { schema: { hide: true } }, async (request, reply) => {
      const scope = scopeOf(request.actor ?? { kind: 'service' });
      await feed.warm(feed.clientIdsFor([scope]));
      const text = feed.message(scope, true);
      return reply.type('application/json').send(text);
    });
  };
}

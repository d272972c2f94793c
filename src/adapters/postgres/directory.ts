import pg from 'pg';
import type { Logger } from 'pino';
import type { AllowRule, ClientContact, ClientTransferRules, ContactAvailability } from '../../domain/destinations';
import type { ClientProfile, ReceptionistProfile } from '../../domain/model';
import type { ClientRecord, Directory, DirectoryAdmin } from '../../ports/directory';
import { normaliseNumber } from './numbers';

/** NOTIFY on this channel with the schema as payload: every call server reloads its directory cache. */
export const NOTIFY_CHANNEL = 'switchboard_directory';
const REFRESH_MS = 30_000;
const NEGATIVE_TTL_MS = 5_000;

interface ClientRow {
  id: string;
  name: string;
  greeting: string;
  moh_class: string;
  hold_prompt: ClientProfile['holdPrompt'];
  announce_position: boolean;
  priority_tier: number;
  max_wait_seconds: number;
  overflow: ClientProfile['overflow'];
  callback_offer_after_seconds?: number;
  numbers: string[] | null;
}

function toClient(row: ClientRow): ClientRecord {
  return {
    id: row.id,
    name: row.name,
    greeting: row.greeting,
    mohClass: row.moh_class,
    holdPrompt: row.hold_prompt,
    announcePosition: row.announce_position,
    priorityTier: row.priority_tier,
    maxWaitSeconds: row.max_wait_seconds,
    overflow: row.overflow,
    callbackOfferAfterSeconds: row.callback_offer_after_seconds ?? 0,
    numbers: row.numbers ?? [],
  };
}

const CLIENTS_SQL = `
  SELECT c.*, array_remove(array_agg(n.number), NULL) AS numbers
  FROM clients c LEFT JOIN client_numbers n ON n.client_id = c.id`;

const RECEPTIONISTS_SQL = `
  SELECT r.id, r.name, r.endpoint, r.group_id, g.wrap_up_seconds, g.ring_timeout_seconds, g.max_missed_offers
  FROM receptionists r JOIN receptionist_groups g ON g.id = r.group_id`;

function toReceptionist(row: Record<string, unknown>): ReceptionistProfile {
  return {
    id: row.id as string,
    name: row.name as string,
    endpoint: row.endpoint as string,
    groupId: row.group_id as string,
    wrapUpSeconds: row.wrap_up_seconds as number,
    ringTimeoutSeconds: row.ring_timeout_seconds as number,
    maxMissedOffers: row.max_missed_offers as number,
  };
}

/**
 * Clients and receptionists. Number lookups are on the routing path, so they are served from
 * memory: loaded at start, reloaded when any instance changes the directory (LISTEN/NOTIFY) and
 * every 30 s, with a query on a miss (misses are remembered for 5 s).
 */
export class PostgresDirectory implements Directory, DirectoryAdmin {
  private byNumber = new Map<string, ClientProfile>();
  private byId = new Map<string, ClientProfile>();
  private readonly misses = new Map<string, number>();
  private listener: pg.Client | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connection: pg.ClientConfig,
    private readonly scope: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    this.refreshTimer = setInterval(() => void this.reload().catch((err) => this.logger.warn({ err: err.message }, 'directory refresh failed')), REFRESH_MS);
    this.refreshTimer.unref();
    await this.listen();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.connection);
    client.on('error', (err) => this.logger.warn({ err: err.message }, 'directory listener lost'));
    client.on('end', () => {
      if (this.closed || this.listener !== client) return;
      this.listener = null;
      setTimeout(() => void this.listen().then(() => this.reload()).catch(() => undefined), 1000).unref();
    });
    client.on('notification', (msg) => {
      if (msg.payload === this.scope) void this.reload().catch((err) => this.logger.warn({ err: err.message }, 'directory reload failed'));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'directory listener could not connect; retrying');
      await client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 2000).unref();
    }
  }

  private async reload(): Promise<void> {
    const { rows } = await this.pool.query<ClientRow>(`${CLIENTS_SQL} GROUP BY c.id`);
    const byNumber = new Map<string, ClientProfile>();
    const byId = new Map<string, ClientProfile>();
    for (const row of rows) {
      const { numbers, ...client } = toClient(row);
      byId.set(client.id, client);
      for (const n of numbers) byNumber.set(n, client);
    }
    this.byNumber = byNumber;
    this.byId = byId;
    this.misses.clear();
  }

  async clientForNumber(did: string): Promise<ClientProfile | null> {
    const number = normaliseNumber(did);
    const hit = this.byNumber.get(number);
    if (hit) return hit;
    const missUntil = this.misses.get(number);
    if (missUntil && missUntil > Date.now()) return null;
    const { rows } = await this.pool.query<ClientRow>(`${CLIENTS_SQL} WHERE c.id = (SELECT client_id FROM client_numbers WHERE number = $1) GROUP BY c.id`, [number]);
    if (rows.length === 0) {
      this.misses.set(number, Date.now() + NEGATIVE_TTL_MS);
      return null;
    }
    const { numbers: _numbers, ...client } = toClient(rows[0]);
    this.byNumber.set(number, client);
    this.byId.set(client.id, client);
    return client;
  }

  async client(id: string): Promise<ClientProfile | null> {
    const hit = this.byId.get(id);
    if (hit) return hit;
    const { rows } = await this.pool.query<ClientRow>(`${CLIENTS_SQL} WHERE c.id = $1 GROUP BY c.id`, [id]);
    if (rows.length === 0) return null;
    const { numbers: _numbers, ...client } = toClient(rows[0]);
    return client;
  }

  async receptionists(): Promise<ReceptionistProfile[]> {
    const { rows } = await this.pool.query(`${RECEPTIONISTS_SQL} ORDER BY r.id`);
    return rows.map(toReceptionist);
  }

  async receptionist(id: string): Promise<ReceptionistProfile | null> {
    const { rows } = await this.pool.query(`${RECEPTIONISTS_SQL} WHERE r.id = $1`, [id]);
    return rows[0] ? toReceptionist(rows[0]) : null;
  }

  /** Read on each transfer (not on the routing path): always current, never cached. */
  async transferRules(clientId: string): Promise<ClientTransferRules> {
    const [contacts, allow] = await Promise.all([
      this.pool.query(
        `SELECT code, name, number, extension, always_screen, availability, note FROM client_contacts WHERE client_id = $1 ORDER BY code`,
        [clientId],
      ),
      this.pool.query(`SELECT pattern, exact, international, premium FROM client_transfer_allow WHERE client_id = $1 ORDER BY pattern`, [clientId]),
    ]);
    return {
      contacts: contacts.rows.map(
        (r): ClientContact => ({
          code: r.code,
          name: r.name,
          number: r.number,
          extension: r.extension,
          alwaysScreen: r.always_screen,
          availability: r.availability as ContactAvailability,
          note: r.note,
        }),
      ),
      allow: allow.rows.map((r): AllowRule => ({ pattern: r.pattern, exact: r.exact, international: r.international, premium: r.premium })),
    };
  }

  async upsertContact(clientId: string, c: ClientContact): Promise<void> {
    await this.pool.query(
      `INSERT INTO client_contacts (client_id, code, name, number, extension, always_screen, availability, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (client_id, code) DO UPDATE SET name = $3, number = $4, extension = $5, always_screen = $6, availability = $7,
         note = $8, updated_at = now()`,
      [clientId, c.code, c.name, c.number, c.extension, c.alwaysScreen, c.availability, c.note],
    );
  }

  async upsertAllowRule(clientId: string, r: AllowRule): Promise<void> {
    await this.pool.query(
      `INSERT INTO client_transfer_allow (client_id, pattern, exact, international, premium) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (client_id, pattern) DO UPDATE SET exact = $3, international = $4, premium = $5`,
      [clientId, r.pattern, r.exact, r.international, r.premium],
    );
  }

  async listClients(): Promise<ClientRecord[]> {
    const { rows } = await this.pool.query<ClientRow>(`${CLIENTS_SQL} GROUP BY c.id ORDER BY c.id`);
    return rows.map(toClient);
  }

  async upsertClient(client: ClientRecord): Promise<void> {
    await this.inTransaction(async (db) => {
      await db.query(
        `INSERT INTO clients (id, name, greeting, moh_class, hold_prompt, announce_position, priority_tier, max_wait_seconds, overflow,
           callback_offer_after_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO UPDATE SET name = $2, greeting = $3, moh_class = $4, hold_prompt = $5, announce_position = $6,
           priority_tier = $7, max_wait_seconds = $8, overflow = $9, callback_offer_after_seconds = $10, updated_at = now()`,
        [
          client.id,
          client.name,
          client.greeting,
          client.mohClass,
          client.holdPrompt ? JSON.stringify(client.holdPrompt) : null,
          client.announcePosition,
          client.priorityTier,
          client.maxWaitSeconds,
          JSON.stringify(client.overflow),
          client.callbackOfferAfterSeconds ?? 0,
        ],
      );
      await db.query('DELETE FROM client_numbers WHERE client_id = $1', [client.id]);
      for (const n of client.numbers) {
        await db.query('INSERT INTO client_numbers (number, client_id) VALUES ($1, $2) ON CONFLICT (number) DO UPDATE SET client_id = $2', [
          normaliseNumber(n),
          client.id,
        ]);
      }
      await db.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, this.scope]);
    });
    await this.reload();
  }

  async upsertReceptionist(profile: ReceptionistProfile): Promise<void> {
    await this.inTransaction(async (db) => {
      // A group's settings are shared: the last profile written for a group sets them.
      await db.query(
        `INSERT INTO receptionist_groups (id, name, wrap_up_seconds, ring_timeout_seconds, max_missed_offers) VALUES ($1, $1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET wrap_up_seconds = $2, ring_timeout_seconds = $3, max_missed_offers = $4`,
        [profile.groupId, profile.wrapUpSeconds, profile.ringTimeoutSeconds, profile.maxMissedOffers],
      );
      await db.query(
        `INSERT INTO receptionists (id, name, endpoint, group_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET name = $2, endpoint = $3, group_id = $4`,
        [profile.id, profile.name, profile.endpoint, profile.groupId],
      );
      await db.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, this.scope]);
    });
  }

  private async inTransaction(work: (db: pg.PoolClient) => Promise<void>): Promise<void> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      await work(db);
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }
}

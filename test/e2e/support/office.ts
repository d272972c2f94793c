import pg from 'pg';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createSwitchboard, type SwitchboardApp } from '../../../src/app';
import { loadConfig, type Config } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import type { ClientProfile } from '../../../src/domain/model';
import type { Lab } from '../lab/lab';
import { startSimulatorLab } from '../lab/simulator-lab';
import { startAsteriskLab } from '../lab/asterisk-lab';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ReceptionistSeed {
  id: string;
  phone?: string;
  wrapUpSeconds?: number;
  ringTimeoutSeconds?: number;
  maxMissedOffers?: number;
}

export interface ClientSeed extends Partial<ClientProfile> {
  id: string;
  numbers: string[];
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/**
 * A receptionist office for end-to-end tests: a Lab (simulator or real Asterisk), a fresh
 * PostgreSQL schema and Redis prefix, and a Switchboard that can be stopped and started again.
 */
export class Office {
  switchboard!: SwitchboardApp;
  baseUrl = '';
  private constructor(
    readonly lab: Lab,
    readonly config: Config,
  ) {}

  /**
   * `ami`: also connect Switchboard to AMI (the simulator's, with this fallback queue; on a real
   * Asterisk, ASTERISK_AMI_HOST/PORT/USER/SECRET from the environment).
   */
  static async open(opts: { redisUrl?: string; ami?: { fallbackQueue: string } } = {}): Promise<Office> {
    const real = process.env.ASTERISK_ARI_URL;
    const lab = real
      ? await startAsteriskLab({ url: real, user: process.env.ASTERISK_ARI_USER ?? 'switchboard', password: process.env.ASTERISK_ARI_PASSWORD ?? '' })
      : await startSimulatorLab(opts.ami ? { amiQueues: { [opts.ami.fallbackQueue]: [] } } : {});
    const simAmi = 'sim' in lab ? (lab as { sim: { ami: { host: string; port: number; user: string; secret: string } | null } }).sim.ami : null;
    const ami: Record<string, string | undefined> = !opts.ami
      ? {}
      : simAmi
        ? { ASTERISK_AMI_HOST: simAmi.host, ASTERISK_AMI_PORT: String(simAmi.port), ASTERISK_AMI_USER: simAmi.user, ASTERISK_AMI_SECRET: simAmi.secret, AMI_FALLBACK_QUEUE: opts.ami.fallbackQueue }
        : {
            ASTERISK_AMI_HOST: process.env.ASTERISK_AMI_HOST,
            ASTERISK_AMI_PORT: process.env.ASTERISK_AMI_PORT,
            ASTERISK_AMI_USER: process.env.ASTERISK_AMI_USER,
            ASTERISK_AMI_SECRET: process.env.ASTERISK_AMI_SECRET,
            AMI_FALLBACK_QUEUE: opts.ami.fallbackQueue,
          };
    const tag = randomBytes(4).toString('hex');
    const config = loadConfig({
      ASTERISK_ARI_URL: lab.ari.url,
      ASTERISK_ARI_USER: lab.ari.user,
      ASTERISK_ARI_PASSWORD: lab.ari.password,
      ARI_APP: lab.ari.app,
      DATABASE_URL,
      DATABASE_SCHEMA: `e2e_${tag}`,
      REDIS_URL: opts.redisUrl ?? REDIS_URL,
      REDIS_PREFIX: `sbtest:${tag}:`,
      HTTP_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ARI_HEARTBEAT_MS: '1000',
      FASTAGI_PORT: '0',
      // The API wants a token, as in production; the tests use the service token.
      API_AUTH: 'required',
      SWITCHBOARD_API_TOKEN: `e2e-${randomBytes(16).toString('hex')}`,
      ...ami,
    });
    const office = new Office(lab, config);
    await office.start();
    return office;
  }

  /**
   * Transfers dial out through the lab: on the simulator a number is a trunk phone
   * (`<number>@trunk`), on a real Asterisk an endpoint `xfer<number>`. Sets the dial templates
   * (and `extra` settings), restarts Switchboard with them, and answers the lab phone of a number.
   */
  async dialTransfersThroughLab(extra: Partial<Config> = {}): Promise<(e164: string) => string> {
    const sim = this.lab.kind === 'simulator';
    Object.assign(this.config, {
      TRANSFER_DIAL_TEMPLATE: sim ? 'PJSIP/{number}@trunk' : this.lab.endpointFor('xfer{number}'),
      TRANSFER_EXTENSION_DIAL_TEMPLATE: sim ? 'PJSIP/{ext}' : this.lab.endpointFor('{ext}'),
      ...extra,
    });
    await this.restartSwitchboard();
    return (n) => (sim ? `${n}@trunk` : `xfer${n}`);
  }

  async start(): Promise<void> {
    this.switchboard = await createSwitchboard(this.config, { logger: createLogger(this.config.LOG_LEVEL) });
    this.baseUrl = await this.switchboard.start();
    await this.lab.waitFor('Switchboard connected to the PBX', async () => this.switchboard.ari.isConnected);
    // Ready once connected and reconciled with the PBX (the queue and states rebuilt).
    let last: unknown;
    await this.lab.waitFor(
      'Switchboard ready',
      async () => {
        const r = await this.api('GET', '/health/ready');
        last = r.body;
        return r.status === 200;
      },
      10_000,
    ).catch((err: Error) => Promise.reject(new Error(`${err.message}; last /health/ready: ${JSON.stringify(last)}`)));
  }

  /** Stops Switchboard as a crash or deploy would: calls in the PBX stay up. */
  async stopSwitchboard(): Promise<void> {
    await this.switchboard.stop();
  }

  async restartSwitchboard(): Promise<void> {
    await this.stopSwitchboard();
    await this.start();
  }

  async close(): Promise<void> {
    await this.lab.reset().catch(() => undefined);
    await this.switchboard.stop().catch(() => undefined);
    await this.lab.close();
    const pool = new pg.Pool({ connectionString: DATABASE_URL });
    await pool.query(`DROP SCHEMA IF EXISTS ${this.config.DATABASE_SCHEMA} CASCADE`).catch(() => undefined);
    await pool.end();
    const redis = new Redis(this.config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${this.config.REDIS_PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }

  async seed(opts: { clients?: ClientSeed[]; receptionists?: ReceptionistSeed[] }): Promise<void> {
    for (const c of opts.clients ?? []) {
      await this.switchboard.directoryAdmin.upsertClient({
        name: `Client ${c.id}`,
        greeting: `Thank you for calling Client ${c.id}`,
        mohClass: 'default',
        holdPrompt: null,
        announcePosition: false,
        priorityTier: 0,
        maxWaitSeconds: 0,
        overflow: { kind: 'voicemail', mailbox: c.id, greeting: 'sound:vm-intro', maxSeconds: 60 },
        ...c,
      });
    }
    for (const r of opts.receptionists ?? []) {
      const phone = r.phone ?? r.id;
      await this.switchboard.directoryAdmin.upsertReceptionist({
        id: r.id,
        name: `Receptionist ${r.id}`,
        endpoint: this.lab.endpointFor(phone),
        groupId: `group-${r.id}`, // group settings are shared; one group each keeps seeds independent
        wrapUpSeconds: r.wrapUpSeconds ?? 0,
        ringTimeoutSeconds: r.ringTimeoutSeconds ?? 15,
        maxMissedOffers: r.maxMissedOffers ?? 2,
      });
    }
    await this.switchboard.calls.reloadRoster();
  }

  /** The service token every API request of the tests carries. */
  get authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.config.SWITCHBOARD_API_TOKEN}` };
  }

  async api<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { ...this.authHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async setPresence(id: string, state: 'available' | 'logged-out' | 'paused', reason?: string): Promise<void> {
    const r = await this.api('PUT', `/api/receptionists/${id}/presence`, state === 'paused' ? { state, reason } : { state });
    if (r.status !== 200) throw new Error(`presence ${id} -> ${state}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** Logs receptionists in one after another, so the first is the longest idle. */
  async loginInOrder(...ids: string[]): Promise<void> {
    for (const id of ids) {
      await this.setPresence(id, 'available');
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  async presence(id: string): Promise<{ kind: string; reason?: string }> {
    return (await this.api('GET', `/api/receptionists/${id}`)).body.presence;
  }

  /** Waits until the call's record shows it ended, and returns it. */
  async endedCall(callId: string, timeoutMs = 10_000): Promise<any> {
    return this.lab.waitFor(`call ${callId} recorded as ended`, async () => {
      const r = await this.api('GET', `/api/calls/${encodeURIComponent(callId)}`);
      return r.status === 200 && r.body.endedAt ? r.body : null;
    }, timeoutMs);
  }

  /** ARI REST reads, the same on the simulator and a real Asterisk. */
  async ari<T = any>(path: string): Promise<T> {
    const { url, user, password } = this.lab.ari;
    const res = await fetch(`${url}/ari${path}`, { headers: { authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') } });
    return (await res.json()) as T;
  }
}

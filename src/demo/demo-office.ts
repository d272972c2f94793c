import type { Logger } from 'pino';
import type { SwitchboardApp } from '../app';
import type { Config } from '../config';
import { startAsteriskSimulator, type AsteriskSimulator } from '../simulator';

/** A small office for newcomers: three clients, four receptionists, callers now and then. */
const CLIENTS = [
  { id: 'warehouse-unlimited', name: 'Warehouse Unlimited', numbers: ['5035550100'], mohClass: 'default' },
  { id: 'bright-smile-dental', name: 'Bright Smile Dental', numbers: ['5035550101'], mohClass: 'default' },
  { id: 'hale-law', name: 'Hale & Partners Law', numbers: ['5035550102'], mohClass: 'default' },
];
const RECEPTIONISTS = ['sam', 'alex', 'jordan', 'riley'];
const CALLER_NAMES = ['Pat Doe', 'Lee Chan', 'Maria Garcia', 'Ken Ito', 'Ada Byrne', 'Omar Haddad'];

export interface DemoOffice {
  ariUrl: string;
  ariUser: string;
  ariPassword: string;
  sim: AsteriskSimulator;
  /** Seeds the directory, logs the receptionists in, and sends callers. */
  run(app: SwitchboardApp): void;
  close(): Promise<void>;
}

export async function startDemoOffice(opts: { config: Config; logger: Logger }): Promise<DemoOffice> {
  const sim = await startAsteriskSimulator({ port: opts.config.SIMULATOR_PORT, stasisApp: opts.config.ARI_APP, logger: opts.logger });
  // Receptionists pick up after a human-like delay.
  for (const name of RECEPTIONISTS) sim.setPhone(name, { kind: 'answer', afterMs: 1500 + Math.round(Math.random() * 2500) });
  return {
    ariUrl: sim.url,
    ariUser: 'asterisk',
    ariPassword: 'asterisk',
    sim,
    run: (app) => runDemoTraffic(sim, app, opts.logger),
    close: () => sim.close(),
  };
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

/** Seeds the demo directory, logs the receptionists in, and places a caller every few seconds. */
function runDemoTraffic(s: AsteriskSimulator, app: SwitchboardApp, logger: Logger): void {
  void (async () => {
    for (const c of CLIENTS) {
      await app.directoryAdmin.upsertClient({
        ...c,
        greeting: `Thank you for calling ${c.name}, this is {receptionist}, how may I help you?`,
        holdPrompt: null,
        announcePosition: false,
        priorityTier: 0,
        maxWaitSeconds: 90,
        overflow: { kind: 'voicemail', mailbox: c.id, greeting: 'sound:vm-intro', maxSeconds: 120 },
      });
    }
    for (const id of RECEPTIONISTS) {
      await app.directoryAdmin.upsertReceptionist({
        id,
        name: id[0].toUpperCase() + id.slice(1),
        endpoint: `PJSIP/${id}`,
        groupId: 'front-desk',
        wrapUpSeconds: 5,
        ringTimeoutSeconds: 15,
        maxMissedOffers: 2,
      });
    }
    await app.calls.reloadRoster();
    for (const id of RECEPTIONISTS) await app.calls.setPresence(id, { kind: 'available' });
    logger.info({ receptionists: RECEPTIONISTS.length, clients: CLIENTS.length }, 'demo office open; try GET /api/queue and /api/receptionists');

    const placeOne = () => {
      const client = pick(CLIENTS);
      const { channelId } = s.placeCall({ did: client.numbers[0], callerName: pick(CALLER_NAMES), callerNumber: `503555${Math.floor(1000 + Math.random() * 8999)}` });
      const talkMs = 8000 + Math.random() * 20000;
      const patienceMs = 30000 + Math.random() * 60000;
      const started = Date.now();
      const watch = setInterval(() => {
        const ch = s.channel(channelId);
        if (!ch?.alive) return clearInterval(watch);
        if (ch.peerPhone && Date.now() - started > talkMs) {
          s.hangupCaller(channelId);
          clearInterval(watch);
        } else if (!ch.peerPhone && Date.now() - started > patienceMs) {
          s.hangupCaller(channelId);
          clearInterval(watch);
        }
      }, 500);
      watch.unref();
    };
    const next = () => {
      setTimeout(() => {
        placeOne();
        next();
      }, 2000 + Math.random() * 6000).unref();
    };
    next();
  })().catch((err) => logger.error({ err }, 'demo office failed'));
}

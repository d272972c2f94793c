import type { Logger } from 'pino';
import type { SwitchboardApp } from '../app';
import type { Config } from '../config';
import { startAsteriskSimulator, type AsteriskSimulator } from '../simulator';
import { DEMO_CLIENTS as CLIENTS, DEMO_RECEPTIONISTS as RECEPTIONISTS, seedDemoDirectory } from './demo-directory';

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
  const sim = await startAsteriskSimulator({
    port: opts.config.SIMULATOR_PORT,
    stasisApp: opts.config.ARI_APP,
    logger: opts.logger,
    // AMI too, with the dialplan's fallback queue, so reachability and queue sync run as in production.
    ami: { queues: opts.config.AMI_FALLBACK_QUEUE ? { [opts.config.AMI_FALLBACK_QUEUE]: [] } : {} },
  });
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
    await seedDemoDirectory(app.directoryAdmin);
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

import { startAsteriskSimulator, type AsteriskSimulator } from '../../../src/simulator';
import type { CallerView, Lab, LabCall, PhoneBehaviour, PhoneView, PlaceCallOptions } from './lab';
import { pollUntil } from './poll';

/** The Lab on our Asterisk 22 simulator, driven through its control API. */
export async function startSimulatorLab(opts: { app?: string; amiQueues?: Record<string, string[]> } = {}): Promise<Lab & { sim: AsteriskSimulator }> {
  const app = opts.app ?? 'switchboard';
  const sim = await startAsteriskSimulator({
    port: 0,
    stasisApp: app,
    bridgeDestroyDelayMs: 50,
    playbackDurationMs: 200,
    ...(opts.amiQueues ? { ami: { queues: opts.amiQueues } } : {}),
  });
  const placed: string[] = [];
  const phoneOf = (channelId: string | null | undefined): string | null => {
    if (!channelId) return null;
    return sim.channel(channelId)?.peerPhone ?? null;
  };

  const lab: Lab & { sim: AsteriskSimulator } = {
    kind: 'simulator',
    sim,
    ari: { url: sim.url, user: 'asterisk', password: 'asterisk', app },
    observesMedia: true,
    endpointFor: (phone) => `PJSIP/${phone}`,
    async setPhone(phone: string, behaviour: PhoneBehaviour) {
      sim.setPhone(phone, behaviour);
    },
    async phone(phone: string): Promise<PhoneView> {
      const p = sim.phone(phone);
      return { name: phone, offers: p.offers, ringing: p.ringing, activeChannelId: p.activeChannelId };
    },
    async phoneHangup(phone: string) {
      sim.phoneHangup(phone);
    },
    async phoneAnswer(phone: string) {
      sim.phoneAnswer(phone);
    },
    async phoneSendDtmf(phone: string, digits: string) {
      sim.phoneSendDtmf(phone, digits);
    },
    async placeCall(o: PlaceCallOptions): Promise<LabCall> {
      const { channelId } = sim.placeCall(o);
      placed.push(channelId);
      const view = async (): Promise<CallerView> => {
        const c = sim.channel(channelId);
        return {
          alive: !!c?.alive,
          channelId,
          state: c?.state ?? 'Down',
          connectedTo: c?.alive ? phoneOf(channelId) : null,
          mohClass: c?.mohClass ?? null,
          playing: c?.playing ?? null,
          recording: c?.recording ?? null,
          fellBack: !!c?.fellBack,
        };
      };
      return {
        did: o.did,
        ready: async () => undefined,
        view,
        hangup: async () => {
          if (sim.channel(channelId)?.alive) sim.hangupCaller(channelId);
        },
        sendDtmf: async (digits) => {
          sim.sendDtmf(channelId, digits);
        },
      };
    },
    waitFor: pollUntil,
    async reset() {
      for (const id of placed.splice(0)) if (sim.channel(id)?.alive) sim.hangupCaller(id);
    },
    async close() {
      await sim.close();
    },
  };
  return lab;
}

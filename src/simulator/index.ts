import type { Logger } from 'pino';
import { bridgeJson, type PhoneBehaviour, type SimChannel } from './model';
import { SimulatedPbx, type OriginateParams } from './pbx';
import { AriServer, type RequestListener } from './server';
import { startAmiServer, type AmiServerOptions, type SimulatedAmi } from './ami-server';

export type { PhoneBehaviour } from './model';
export type { RequestListener } from './server';
export type { AmiServerOptions, SimQueueMember, SimulatedAmi } from './ami-server';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  user?: string;
  password?: string;
  asteriskId?: string;
  systemName?: string;
  stasisApp?: string;
  /** Real Asterisk reports BridgeDestroyed about 500 ms after the DELETE. */
  bridgeDestroyDelayMs?: number;
  /** How long one `sound:` file plays. */
  playbackDurationMs?: number;
  busyDelayMs?: number;
  logger?: Logger;
  /** Also serve AMI (TCP, like port 5038) on this PBX; `{}` picks a free port on 127.0.0.1. */
  ami?: AmiServerOptions;
}

export interface ChannelView {
  id: string;
  name: string;
  state: string;
  alive: boolean;
  answered: boolean;
  ringingIndicated: boolean;
  mohClass: string | null;
  playing: string | null;
  recording: string | null;
  bridgeId: string | null;
  fellBack: boolean;
  /** The phone in the same bridge, if any. */
  peerPhone: string | null;
  variables: Record<string, string>;
}

export interface PhoneView {
  name: string;
  offers: number;
  ringing: boolean;
  activeChannelId: string | null;
}

export interface AsteriskSimulator {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  setPhone(name: string, behaviour: PhoneBehaviour): void;
  placeCall(o: { did: string; callerName: string; callerNumber: string }): { channelId: string };
  hangupCaller(channelId: string): void;
  sendDtmf(channelId: string, digits: string, opts?: { durationMs?: number; gapMs?: number }): void;
  phone(name: string): PhoneView;
  phoneHangup(name: string): void;
  phoneAnswer(name: string): void;
  phoneSendDtmf(name: string, digits: string): void;
  /** The idle phone dials a number or feature code, routed as dialplan/receptionists.conf does. */
  phoneDials(name: string, exten: string): { channelId: string };
  channel(id: string): ChannelView | undefined;
  channels(): ChannelView[];
  bridges(): ReturnType<typeof bridgeJson>[];
  dropWebSockets(): void;
  onEvent(listener: (event: Record<string, unknown>) => void): () => void;
  onOriginate(listener: (req: OriginateParams & { channelId: string }, atNs: bigint) => void): () => void;
  /**
   * Every HTTP request the simulator receives (ARI and /sim): method, path as sent without the
   * query string (e.g. `/ari/channels/pbx1-1.2/moh`), and process.hrtime.bigint() when it arrived
   * (headers parsed, before the body and the route). The same clock as `onOriginate`; for the
   * bench and tests. Returns the unsubscribe function.
   */
  onRequest(listener: RequestListener): () => void;
  stats(): { originates: number; events: number; channels: number; bridges: number };
  /** The AMI server, when started with the `ami` option. */
  readonly ami: SimulatedAmi | null;
  close(): Promise<void>;
}

/** Starts the Asterisk 22 simulator: ARI on HTTP + WebSocket and the /sim control API. */
export async function startAsteriskSimulator(opts: SimulatorOptions = {}): Promise<AsteriskSimulator> {
  const user = opts.user ?? 'asterisk';
  const password = opts.password ?? 'asterisk';
  const pbx = new SimulatedPbx({
    asteriskId: opts.asteriskId ?? '02:fc:00:00:00:01',
    systemName: opts.systemName ?? 'pbx1',
    stasisApp: opts.stasisApp ?? 'switchboard',
    bridgeDestroyDelayMs: opts.bridgeDestroyDelayMs ?? 500,
    playbackDurationMs: opts.playbackDurationMs ?? 1000,
    busyDelayMs: opts.busyDelayMs ?? 50,
  });
  const server = new AriServer(pbx, { user, password });
  const ami = opts.ami ? await startAmiServer(pbx, { systemName: opts.systemName, ...opts.ami }) : null;

  const view = (c: SimChannel): ChannelView => {
    const bridge = c.bridgeId ? pbx.bridges.get(c.bridgeId) : undefined;
    const peer = bridge?.channels.map((id) => pbx.channels.get(id)).find((o) => o && o.id !== c.id && o.phone);
    return {
      id: c.id,
      name: c.name,
      state: c.state,
      alive: c.alive,
      answered: c.state === 'Up',
      ringingIndicated: c.ringingIndicated,
      mohClass: bridge?.moh ?? c.moh,
      playing: c.playing,
      recording: c.recording,
      bridgeId: c.bridgeId,
      fellBack: c.fellBack,
      peerPhone: peer?.phone ?? null,
      variables: { ...c.variables },
    };
  };
  const legs = (name: string) => pbx.phoneLegs(name);

  const sim: AsteriskSimulator = {
    url: '',
    user,
    password,
    setPhone: (name, behaviour) => pbx.setPhone(name, behaviour),
    placeCall: (o) => ({ channelId: pbx.placeCall(o).id }),
    hangupCaller: (id) => pbx.hangupFarEnd(id),
    sendDtmf: (id, digits, o) => pbx.sendDtmf(id, digits, o),
    phone: (name) => {
      const l = legs(name);
      return {
        name,
        offers: pbx.phones.get(name)?.offers ?? 0,
        ringing: l.some((c) => c.state === 'Ringing'),
        activeChannelId: l.find((c) => c.state === 'Up')?.id ?? null,
      };
    },
    phoneHangup: (name) => {
      const l = legs(name);
      const leg = l.find((c) => c.state === 'Up') ?? l[0];
      if (leg) pbx.hangupFarEnd(leg.id);
    },
    phoneAnswer: (name) => {
      const leg = legs(name).find((c) => c.state === 'Ringing');
      if (leg) pbx.phoneAnswers(leg);
    },
    phoneDials: (name, exten) => ({ channelId: pbx.phoneDials(name, exten).id }),
    phoneSendDtmf: (name, digits) => {
      const leg = legs(name).find((c) => c.state === 'Up');
      if (leg) pbx.sendDtmf(leg.id, digits);
    },
    channel: (id) => {
      const c = pbx.channels.get(id);
      return c ? view(c) : undefined;
    },
    channels: () => pbx.liveChannels().map(view),
    bridges: () => [...pbx.bridges.values()].map(bridgeJson),
    dropWebSockets: () => server.dropWebSockets(),
    onEvent: (l) => pbx.onEvent(l),
    onOriginate: (l) => pbx.onOriginate(l),
    onRequest: (l) => server.onRequestReceived(l),
    stats: () => ({ ...pbx.stats, channels: pbx.liveChannels().length, bridges: pbx.bridges.size }),
    ami,
    close: async () => {
      await ami?.close();
      await server.close();
    },
  };
  server.defineControl(sim);
  const url = await server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  (sim as { url: string }).url = url;
  opts.logger?.info({ url, amiPort: ami?.port }, 'Asterisk simulator listening');
  return sim;
}

import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { pollUntil } from './poll';
import type { CallerView, Lab, LabCall, PhoneBehaviour, PhoneView, PlaceCallOptions } from './lab';

/**
 * The Lab on a real Asterisk 22 loaded with config/, dialplan/ and dialplan/test-harness.conf.
 *
 * Callers and desk phones are Local channels whose far halves land in the harness's own ARI app
 * (`switchboard-lab`), so no SIP peer is needed:
 * - a caller: the lab originates `Local/<did>@sb-test-trunk/n`. Half ;1 (id `lab-caller-*`) is the
 *   caller's handset, in the lab app once answered; half ;2 (id `lab-trunk-*`, chosen by us with
 *   otherChannelId) runs from-trunk and is the channel Switchboard owns.
 * - a phone: Switchboard originates `Local/<phone>@sb-test-phones/n` with its own channel id (half
 *   ;1, its offer leg); half ;2 runs Stasis(switchboard-lab,phone,<phone>) and is the desk phone.
 * `/n` forbids Local channel optimisation, so both halves keep their ids and names for the call.
 *
 * Only ARI REST (fetch) and the event WebSocket (ws) are used. Media is not observed.
 */

const LAB_APP = 'switchboard-lab';
/** Stasis(switchboard,inbound,<did>) in dialplan/inbound.conf. */
const SWITCHBOARD_APP = 'switchboard';
const FALLBACK_CONTEXT = 'switchboard-fallback';
const PHONE_CONTEXT = 'sb-test-phones';
const TRUNK_CONTEXT = 'sb-test-trunk';
/** busy / unreachable extensions: Busy() and Congestion() signal the Local ;1 like a 486 / 503. */
const OUTCOME_CONTEXT = 'sb-test-phone-outcome';
/** The half of a phone's Local channel that Switchboard originated, e.g. `Local/rx1@sb-test-phones-0000002a;1`. */
const SWITCHBOARD_PHONE_HALF = new RegExp(`^Local/(.+)@${PHONE_CONTEXT}-[0-9a-f]+;1$`);
const POLL_MS = 50;

interface AriChannel {
  id: string;
  name: string;
  state: string;
  dialplan?: { context?: string; exten?: string; app_name?: string; app_data?: string };
}

interface AriBridge {
  id: string;
  channels: string[];
}

interface AriEvent {
  type: string;
  channel?: AriChannel;
  args?: string[];
}

class AriHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A desk phone's half (;2) of a Local channel Switchboard originated. */
interface PhoneLeg {
  id: string;
  name: string;
  status: 'ringing' | 'up' | 'rejecting';
  timer?: NodeJS.Timeout;
  /** Id of the ;1 half, the channel Switchboard knows (its offer leg). */
  switchboardId?: string;
}

interface PhoneState {
  behaviour: PhoneBehaviour;
  offers: number;
  legs: Map<string, PhoneLeg>;
}

type Query = Record<string, string | number | undefined>;

function ariRest(env: { url: string; user: string; password: string }) {
  const base = env.url.replace(/\/+$/, '') + '/ari';
  const auth = 'Basic ' + Buffer.from(`${env.user}:${env.password}`).toString('base64');
  return async function ari<T = unknown>(method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    const res = await fetch(`${base}${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers: body === undefined ? { authorization: auth } : { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) throw new AriHttpError(res.status, `${method} ${path} -> ${res.status}: ${text.slice(0, 200)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/** 404 (no such channel) and 409/422 (no longer in Stasis) mean the channel went first: a race, not a failure. */
function gone(err: unknown): boolean {
  return err instanceof AriHttpError && [404, 409, 422].includes(err.status);
}

async function unlessGone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!gone(err)) throw err;
  }
}

function poll<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  return pollUntil(what, check, timeoutMs, POLL_MS);
}

/** Caller ID as originate takes it: no quotes or brackets inside. */
function callerIdText(name: string, number: string): string {
  return `"${name.replace(/["<>\\\u0000-\u001f]/g, '')}" <${number.replace(/[^0-9+*#]/g, '')}>`;
}

export async function startAsteriskLab(env: { url: string; user: string; password: string }): Promise<Lab> {
  const ari = ariRest(env);
  const run = randomBytes(3).toString('hex');
  let seq = 0;
  const phones = new Map<string, PhoneState>();
  const phoneOfLeg = new Map<string, string>();
  const callers = new Set<string>();
  /** Switchboard's phone halves seen in bridges: channel id -> phone name. */
  const phoneOfChannel = new Map<string, string>();
  /** Failures inside event handlers, reported with the next waitFor timeout. */
  const errors: string[] = [];

  const phoneState = (name: string): PhoneState => {
    let p = phones.get(name);
    if (!p) {
      // A desk phone nobody set up rings and nobody picks up.
      p = { behaviour: { kind: 'no-answer' }, offers: 0, legs: new Map() };
      phones.set(name, p);
    }
    return p;
  };

  const note = (what: string) => (err: unknown) => {
    if (!gone(err)) errors.push(`${what}: ${(err as Error).message}`);
  };

  const answerLeg = async (leg: PhoneLeg): Promise<void> => {
    if (leg.status !== 'ringing') return;
    clearTimeout(leg.timer);
    leg.status = 'up'; // off-hook now; if the call vanished meanwhile, StasisEnd removes the leg
    await unlessGone(ari('POST', `/channels/${encodeURIComponent(leg.id)}/answer`));
  };

  /** The phone's half entered the lab app: Switchboard is offering it a call. */
  const offer = async (phone: string, ch: AriChannel): Promise<void> => {
    const p = phoneState(phone);
    p.offers += 1;
    const leg: PhoneLeg = { id: ch.id, name: ch.name, status: 'ringing' };
    p.legs.set(ch.id, leg);
    phoneOfLeg.set(ch.id, phone);
    const id = encodeURIComponent(ch.id);
    const b = p.behaviour;
    switch (b.kind) {
      case 'busy':
      case 'unreachable':
        leg.status = 'rejecting';
        await ari('POST', `/channels/${id}/continue`, { context: OUTCOME_CONTEXT, extension: b.kind, priority: 1 });
        return;
      case 'no-answer':
        await ari('POST', `/channels/${id}/ring`);
        return;
      case 'answer':
        await ari('POST', `/channels/${id}/ring`);
        leg.timer = setTimeout(() => void answerLeg(leg).catch(note(`answer ${phone}`)), b.afterMs);
        return;
    }
  };

  const forgetLeg = (channelId: string): void => {
    const phone = phoneOfLeg.get(channelId);
    if (phone === undefined) return;
    const leg = phones.get(phone)?.legs.get(channelId);
    clearTimeout(leg?.timer);
    phones.get(phone)?.legs.delete(channelId);
    phoneOfLeg.delete(channelId);
  };

  const onEvent = (e: AriEvent): void => {
    if (!e.channel) return;
    if (e.type === 'StasisStart') {
      const [role, phone] = e.args ?? [];
      if (role === 'phone' && phone) void offer(phone, e.channel).catch(note(`offer to ${phone}`));
    } else if (e.type === 'StasisEnd' || e.type === 'ChannelDestroyed') {
      forgetLeg(e.channel.id);
    }
  };

  const wsBase = env.url.replace(/\/+$/, '').replace(/^http/, 'ws');
  const socket = new WebSocket(
    `${wsBase}/ari/events?app=${LAB_APP}&subscribeAll=false&api_key=${encodeURIComponent(env.user)}:${encodeURIComponent(env.password)}`,
    { handshakeTimeout: 5000 },
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', (err) => reject(new Error(`ARI WebSocket for ${LAB_APP} at ${wsBase}: ${err.message}`)));
  });
  socket.on('error', (err) => errors.push(`WebSocket: ${err.message}`));
  socket.on('message', (data) => {
    try {
      onEvent(JSON.parse(String(data)) as AriEvent);
    } catch (err) {
      errors.push(`event: ${(err as Error).message}`);
    }
  });
  await poll(`ARI app ${LAB_APP} registered`, () => ari('GET', `/applications/${LAB_APP}`).then(() => true), 5000);

  /** The phone a bridged channel belongs to, when it is the ;1 half of a lab phone. */
  const phoneBehind = async (channelId: string): Promise<string | null> => {
    const known = phoneOfChannel.get(channelId);
    if (known) return known;
    const ch = await ari<AriChannel>('GET', `/channels/${encodeURIComponent(channelId)}`).catch((err) => (gone(err) ? null : Promise.reject(err)));
    const phone = ch ? SWITCHBOARD_PHONE_HALF.exec(ch.name)?.[1] ?? null : null;
    if (phone) phoneOfChannel.set(channelId, phone);
    return phone;
  };

  /** Switchboard's id for the phone's call: the ;1 half beside our ;2 half. */
  const switchboardHalf = async (leg: PhoneLeg): Promise<string | null> => {
    if (leg.switchboardId) return leg.switchboardId;
    const partner = leg.name.replace(/;2$/, ';1');
    const found = (await ari<AriChannel[]>('GET', '/channels')).find((c) => c.name === partner);
    if (found) leg.switchboardId = found.id;
    return found?.id ?? null;
  };

  const withErrors = (err: unknown): Error => {
    const recent = errors.splice(0);
    const e = err instanceof Error ? err : new Error(String(err));
    if (recent.length) e.message += `\nlab errors meanwhile:\n  ${recent.join('\n  ')}`;
    return e;
  };

  const placeCall = async (o: PlaceCallOptions): Promise<LabCall> => {
    seq += 1;
    const callerId = `lab-caller-${run}-${seq}`;
    const trunkId = `lab-trunk-${run}-${seq}`;
    callers.add(callerId);
    await ari(
      'POST',
      `/channels/${callerId}`,
      {
        endpoint: `Local/${o.did}@${TRUNK_CONTEXT}/n`,
        otherChannelId: trunkId,
        app: LAB_APP,
        appArgs: 'caller',
        callerId: callerIdText(o.callerName, o.callerNumber),
        timeout: 600,
      },
      // Local copies ;1's variables to ;2, where sb-test-trunk sets CALLERID from them.
      { variables: { SB_LAB_CALLER_NAME: o.callerName, SB_LAB_CALLER_NUM: o.callerNumber } },
    );

    let fellBack = false;
    let inSwitchboard = false;
    const inspect = async (): Promise<AriChannel | null> => {
      const ch = await ari<AriChannel>('GET', `/channels/${trunkId}`).catch((err) => (gone(err) ? null : Promise.reject(err)));
      if (ch?.dialplan?.context === FALLBACK_CONTEXT) fellBack = true;
      if (ch?.dialplan?.app_name === 'Stasis' && ch.dialplan.app_data?.startsWith(`${SWITCHBOARD_APP},`)) inSwitchboard = true;
      return ch;
    };
    const ready = async (): Promise<void> => {
      await poll(
        `call to ${o.did} in Stasis(${SWITCHBOARD_APP}) or the fallback (are dialplan/ and test-harness.conf loaded?)`,
        async () => {
          const ch = await inspect();
          return inSwitchboard || fellBack || !ch;
        },
        5000,
      ).catch((err) => Promise.reject(withErrors(err)));
    };

    const call: LabCall = {
      did: o.did,
      ready,
      async view(): Promise<CallerView> {
        const [ch, bridges] = await Promise.all([inspect(), ari<AriBridge[]>('GET', '/bridges')]);
        const base = { channelId: trunkId, mohClass: null, playing: null, recording: null, fellBack };
        if (!ch) return { ...base, alive: false, state: 'Down', connectedTo: null };
        let connectedTo: string | null = null;
        const bridge = bridges.find((b) => b.channels.includes(trunkId));
        for (const id of bridge?.channels ?? []) {
          if (id !== trunkId && (connectedTo = await phoneBehind(id))) break;
        }
        return { ...base, alive: true, state: ch.state, connectedTo };
      },
      async hangup() {
        // The caller puts the handset down: hanging up ;1 hangs up ;2 in Switchboard's app.
        await unlessGone(ari('DELETE', `/channels/${callerId}`));
      },
      async sendDtmf(digits: string) {
        // Digits played on ;1 are read by ;2, as if the caller pressed them (RFC 4733 on a trunk).
        await ari('POST', `/channels/${callerId}/dtmf`, { dtmf: digits, duration: 100, between: 100 });
      },
    };
    // Wait until Switchboard has it, so calls placed one after another arrive in that order.
    await ready();
    return call;
  };

  const legsOf = (phone: string) => [...phoneState(phone).legs.values()];

  const lab: Lab = {
    kind: 'asterisk',
    ari: { url: env.url, user: env.user, password: env.password, app: SWITCHBOARD_APP },
    observesMedia: false,
    endpointFor: (phone) => `Local/${phone}@${PHONE_CONTEXT}/n`,
    async setPhone(phone: string, behaviour: PhoneBehaviour) {
      phoneState(phone).behaviour = behaviour;
    },
    async phone(phone: string): Promise<PhoneView> {
      const legs = legsOf(phone);
      const up = legs.find((l) => l.status === 'up');
      return {
        name: phone,
        offers: phoneState(phone).offers,
        ringing: legs.some((l) => l.status === 'ringing'),
        activeChannelId: up ? await switchboardHalf(up) : null,
      };
    },
    async phoneHangup(phone: string) {
      for (const leg of legsOf(phone).filter((l) => l.status === 'up')) {
        await unlessGone(ari('DELETE', `/channels/${encodeURIComponent(leg.id)}`));
      }
    },
    async phoneSendDtmf(phone: string, digits: string) {
      // Digits played on the phone-side Local half reach Switchboard's half as the phone's own.
      const leg = legsOf(phone).find((l) => l.status === 'up');
      if (!leg) throw new Error(`phone ${phone} has no answered call`);
      await ari('POST', `/channels/${encodeURIComponent(leg.id)}/dtmf`, { dtmf: digits, duration: 100, between: 100 });
    },
    async phoneAnswer(phone: string) {
      const leg = legsOf(phone).find((l) => l.status === 'ringing');
      if (!leg) throw new Error(`phone ${phone} is not ringing`);
      await answerLeg(leg);
    },
    placeCall,
    async waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs?: number): Promise<T> {
      return poll(what, check, timeoutMs).catch((err) => Promise.reject(withErrors(err)));
    },
    async reset() {
      const ids = [...callers, ...phoneOfLeg.keys()];
      for (const p of phones.values()) for (const leg of p.legs.values()) clearTimeout(leg.timer);
      callers.clear();
      await Promise.all(ids.map((id) => unlessGone(ari('DELETE', `/channels/${encodeURIComponent(id)}`))));
    },
    async close() {
      for (const p of phones.values()) for (const leg of p.legs.values()) clearTimeout(leg.timer);
      if (socket.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.terminate();
          resolve();
        }, 2000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.close();
      });
    },
  };
  return lab;
}

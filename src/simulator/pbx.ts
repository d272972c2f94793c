import { randomUUID } from 'node:crypto';
import {
  asteriskTime,
  bridgeJson,
  CAUSE_TEXT,
  channelJson,
  type PhoneBehaviour,
  type SimBridge,
  type SimChannel,
  type SimPlayback,
  type SimRecording,
} from './model';

export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PbxOptions {
  asteriskId: string;
  systemName: string;
  stasisApp: string;
  bridgeDestroyDelayMs: number;
  playbackDurationMs: number;
  busyDelayMs: number;
}

export interface OriginateParams {
  channelId?: string;
  endpoint: string;
  app: string;
  appArgs?: string;
  callerId?: string;
  timeout?: number;
}

/** ARI `POST /channels/create`: a channel placed in Stasis at once and dialled later. */
export interface CreateParams {
  endpoint: string;
  app: string;
  appArgs?: string;
  channelId?: string;
  /** Only used for Local channels, which the simulator does not have. */
  otherChannelId?: string;
  originator?: string;
  formats?: string;
  /** The body's `variables`: a string, or `{ value, report_events }`. */
  variables?: Record<string, unknown>;
}

/** Format names `core show codecs` lists (create's `formats` must use them). */
const FORMATS = new Set(['ulaw', 'alaw', 'gsm', 'g722', 'g723', 'g726', 'g726aal2', 'g729', 'ilbc', 'lpc10', 'speex', 'speex16', 'speex32', 'opus', 'siren7', 'siren14', 'adpcm', 'testlaw', 'slin', 'slin12', 'slin16', 'slin24', 'slin32', 'slin44', 'slin48', 'slin96', 'slin192', 'h261', 'h263', 'h263p', 'h264', 'h265', 'mpeg4', 'vp8', 'vp9', 'jpeg', 'png', 't140', 't140red', 'red', 'codec2', 'silk8', 'silk12', 'silk16', 'silk24']);

type Listener = (event: Record<string, unknown>) => void;

/**
 * A PBX that behaves like Asterisk 22 towards ARI apps: the events, their fields and their
 * order follow the recordings in shared/asterisk/traces. Phones and trunk callers are simulated.
 */
export class SimulatedPbx {
  readonly channels = new Map<string, SimChannel>();
  /** The channels alive now, in creation order (the map also remembers dead ones for a while). */
  private readonly live = new Set<SimChannel>();
  readonly bridges = new Map<string, SimBridge>();
  readonly playbacks = new Map<string, SimPlayback>();
  readonly liveRecordings = new Map<string, SimRecording>();
  readonly storedRecordings = new Map<string, { name: string; format: string; durationMs: number }>();
  readonly phones = new Map<string, { behaviour: PhoneBehaviour; offers: number }>();
  readonly subscriptions = new Map<string, Set<string>>();
  /** Apps with a connected WebSocket. */
  readonly connectedApps = new Set<string>();
  private seq = 0x30;
  private readonly listeners = new Set<Listener>();
  private readonly originateListeners = new Set<(req: OriginateParams & { channelId: string }, atNs: bigint) => void>();
  /** Delivers an event to an app's socket (set by the server). */
  deliver: (app: string, event: Record<string, unknown>) => void = () => undefined;
  stats = { originates: 0, events: 0 };

  constructor(readonly opts: PbxOptions) {
    this.phones.set('trunk', { behaviour: { kind: 'answer', afterMs: 0 }, offers: 0 });
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onOriginate(listener: (req: OriginateParams & { channelId: string }, atNs: bigint) => void): () => void {
    this.originateListeners.add(listener);
    return () => this.originateListeners.delete(listener);
  }

  // ---- hook for the AMI server (ami-server.ts): a phone's reachability or legs changed ----

  private readonly phoneChangeListeners = new Set<(phone: string) => void>();

  onPhoneChange(listener: (phone: string) => void): () => void {
    this.phoneChangeListeners.add(listener);
    return () => this.phoneChangeListeners.delete(listener);
  }

  private phoneChanged(phone: string | null): void {
    if (phone) for (const l of this.phoneChangeListeners) l(phone);
  }

  // ---- events ---------------------------------------------------------------------------

  private emit(app: string | null, type: string, fields: Record<string, unknown>): void {
    if (!app) return;
    const event = { type, timestamp: asteriskTime(), ...fields, asterisk_id: this.opts.asteriskId, application: app };
    this.stats.events++;
    for (const l of this.listeners) l(event);
    this.deliver(app, event);
  }

  /** Events about a channel go to the app controlling it, else the one that originated it. */
  private appOf(c: SimChannel): string | null {
    return c.stasisApp ?? c.originatedBy;
  }

  private emitChannel(c: SimChannel, type: string, extra: Record<string, unknown> = {}): void {
    this.emit(this.appOf(c), type, { ...extra, channel: channelJson(c) });
  }

  private setState(c: SimChannel, state: SimChannel['state']): void {
    if (c.state === state) return;
    c.state = state;
    this.emitChannel(c, 'ChannelStateChange');
    this.phoneChanged(c.phone);
  }

  // ---- channels -------------------------------------------------------------------------

  private nextSeq(): number {
    return this.seq++;
  }

  private newChannel(id: string, resource: string, over: Partial<SimChannel>): SimChannel {
    const now = Date.now();
    const c: SimChannel = {
      id,
      name: `PJSIP/${resource}-${this.nextSeq().toString(16).padStart(8, '0')}`,
      state: 'Down',
      protocolId: randomUUID(),
      caller: { name: '', number: '' },
      connected: { name: '', number: '' },
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
      creationtime: asteriskTime(now),
      createdAtMs: now,
      alive: true,
      stasisApp: null,
      originatedBy: null,
      appArgs: [],
      phone: null,
      bridgeId: null,
      moh: null,
      playing: null,
      recording: null,
      ringingIndicated: false,
      fellBack: false,
      ariDial: null,
      variables: {},
      timers: [],
      ...over,
    };
    this.channels.set(id, c);
    this.live.add(c);
    return c;
  }

  channel(id: string): SimChannel {
    const c = this.channels.get(id);
    if (!c || !c.alive) throw new SimError(404, 'Channel not found');
    return c;
  }

  private inStasis(id: string): SimChannel {
    const c = this.channel(id);
    if (!c.stasisApp) throw new SimError(409, 'Channel not in Stasis application');
    return c;
  }

  liveChannels(): SimChannel[] {
    return [...this.live];
  }

  /** A caller on the trunk dials `did`; the dialplan runs Stasis(app,inbound,did). */
  placeCall(o: { did: string; callerName: string; callerNumber: string }): SimChannel {
    const n = this.nextSeq();
    const id = `${this.opts.systemName}-${Math.floor(Date.now() / 1000)}.${n}`;
    const app = this.opts.stasisApp;
    const did = o.did.replace(/[^0-9+]/g, ''); // FILTER(0-9+,${EXTEN})
    const c = this.newChannel(id, 'trunk', {
      state: 'Ring',
      caller: { name: o.callerName, number: o.callerNumber },
      dialplan: { context: 'from-trunk', exten: o.did, priority: 2, app_name: 'Stasis', app_data: `${app},inbound,${did}` },
    });
    if (!this.connectedApps.has(app)) {
      // Stasis() fails at once without a socket: STASISSTATUS=FAILED, the fallback takes the call.
      c.fellBack = true;
      c.dialplan = { context: 'switchboard-fallback', exten: 's', priority: 3, app_name: 'Queue', app_data: 'switchboard-fallback,,,,60' };
      return c;
    }
    c.stasisApp = app;
    c.appArgs = ['inbound', did];
    this.emitChannel(c, 'StasisStart', { args: c.appArgs });
    return c;
  }

  /**
   * An idle desk phone dials `exten`, as `[receptionists]` in dialplan/receptionists.conf routes it:
   * the feature codes enter Stasis with their `feature,...` arguments (the channel is named after
   * the phone, as chan_pjsip names it); anything else hears ss-noservice and is hung up.
   */
  phoneDials(phone: string, exten: string): SimChannel {
    const n = this.nextSeq();
    const id = `${this.opts.systemName}-${Math.floor(Date.now() / 1000)}.${n}`;
    const app = this.opts.stasisApp;
    const args = receptionistsContext(exten);
    const c = this.newChannel(id, phone, {
      state: 'Ring',
      caller: { name: phone, number: phone },
      dialplan: { context: 'receptionists', exten, priority: 1, app_name: args ? 'Stasis' : 'Playback', app_data: args ? `${app},${args.join(',')}` : 'ss-noservice' },
    });
    if (!args) {
      this.later(c, 50, () => this.hangup(c, {}, 16));
      return c;
    }
    if (!this.connectedApps.has(app)) {
      // STASISSTATUS=FAILED: [sb-feature-unavailable] plays its prompt and hangs up.
      c.fellBack = true;
      c.dialplan = { context: 'sb-feature-unavailable', exten: 's', priority: 1, app_name: 'Playback', app_data: 'sb-switchboard-unavailable' };
      this.later(c, 50, () => this.hangup(c, {}, 16));
      return c;
    }
    c.stasisApp = app;
    c.appArgs = args;
    this.emitChannel(c, 'StasisStart', { args: c.appArgs });
    return c;
  }

  originate(p: OriginateParams): SimChannel {
    const atNs = process.hrtime.bigint();
    if (!p.endpoint) throw new SimError(400, 'Endpoint must be specified');
    if (!p.app) throw new SimError(400, 'Application or extension must be specified');
    const [tech, resource] = p.endpoint.split('/');
    if (!tech || !resource) throw new SimError(400, 'Invalid endpoint');
    const id = p.channelId || `${this.opts.systemName}-${Math.floor(Date.now() / 1000)}.${this.nextSeq()}`;
    if (this.channels.get(id)?.alive) throw new SimError(409, 'Channel with given unique ID already exists');
    for (const l of this.originateListeners) l({ ...p, channelId: id }, atNs);
    this.stats.originates++;
    const phone = this.reachablePhone(tech, resource);
    phone.offers++;
    const caller = parseCallerId(p.callerId ?? '');
    const c = this.newChannel(id, resource, {
      caller,
      connected: caller,
      originatedBy: p.app,
      appArgs: p.appArgs ? p.appArgs.split(',') : [],
      phone: resource,
      dialplan: { context: 'receptionists', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' },
    });
    setImmediate(() => this.ringPhone(c, phone.behaviour, p.timeout ?? 30));
    return c;
  }

  /** chan_pjsip refuses to create a channel for an endpoint without a reachable contact: ARI answers 500. */
  private reachablePhone(tech: string, resource: string): { behaviour: PhoneBehaviour; offers: number } {
    const phone = this.phones.get(resource);
    if (tech !== 'PJSIP' || !phone || phone.behaviour.kind === 'unreachable') {
      if (phone) phone.offers++;
      throw new SimError(500, 'Allocation failed');
    }
    return phone;
  }

  /**
   * ARI create: the channel is requested (state Down, not dialled) and a thread runs
   * Stasis(app,appArgs) on it, so the app gets StasisStart before anything rings.
   */
  create(p: CreateParams): SimChannel {
    if (p.originator && p.formats) throw new SimError(400, "Originator and formats can't both be specified");
    const originator = p.originator ? this.channels.get(p.originator) : undefined;
    if (!originator?.alive && p.formats) {
      for (const f of p.formats.split(',').map((x) => x.trim())) {
        if (!FORMATS.has(f)) throw new SimError(400, `Provided format (${f}) was not found`);
      }
    }
    const [tech, resource] = p.endpoint.split('/');
    if (!tech || !resource) throw new SimError(400, 'Invalid endpoint');
    const id = p.channelId || `${this.opts.systemName}-${Math.floor(Date.now() / 1000)}.${this.nextSeq()}`;
    if (this.channels.get(id)?.alive) throw new SimError(409, 'Channel with given unique ID already exists');
    this.reachablePhone(tech, resource);
    const variables: Record<string, string> = {};
    for (const [name, v] of Object.entries(p.variables ?? {})) {
      variables[name] = typeof v === 'object' && v !== null ? String((v as { value?: unknown }).value ?? '') : String(v);
    }
    const caller = { name: variables['CALLERID(name)'] ?? '', number: variables['CALLERID(num)'] ?? '' };
    delete variables['CALLERID(name)'];
    delete variables['CALLERID(num)'];
    const c = this.newChannel(id, resource, {
      caller,
      originatedBy: p.app,
      appArgs: p.appArgs ? p.appArgs.split(',') : [],
      phone: resource,
      dialplan: { context: 'receptionists', exten: 's', priority: 1, app_name: '', app_data: '' },
      ariDial: { dialstring: resource, dialed: false },
      variables,
    });
    setImmediate(() => {
      if (!c.alive) return;
      if (!this.connectedApps.has(p.app)) {
        // Stasis() fails without a socket for the app; the create thread then hangs the channel up.
        this.destroy(c, 16);
        return;
      }
      c.stasisApp = p.app;
      c.dialplan = { ...c.dialplan, app_name: 'Stasis', app_data: [p.app, ...c.appArgs].join(',') };
      this.emitChannel(c, 'StasisStart', { args: c.appArgs });
    });
    return c;
  }

  /** ARI dial: calls the endpoint a created channel was made for (res/ari/resource_channels.c). */
  dial(id: string, o: { caller?: string; timeout?: number }): void {
    const c = this.inStasis(id);
    if (c.state !== 'Down' || c.ariDial?.dialed) throw new SimError(409, "Channel is not in the 'Down' state");
    if (!c.ariDial) throw new SimError(409, 'Dialing a channel not created by ARI');
    const caller = o.caller ? this.channels.get(o.caller) : undefined;
    if (caller?.alive && (caller.caller.name !== c.connected.name || caller.caller.number !== c.connected.number)) {
      // The callee's connected line is copied from the caller's caller id; an unknown caller is ignored.
      c.connected = { ...caller.caller };
      this.emitChannel(c, 'ChannelConnectedLine');
    }
    c.ariDial.dialed = true;
    const phone = this.phones.get(c.ariDial.dialstring)!;
    phone.offers++;
    setImmediate(() => this.ringPhone(c, phone.behaviour, o.timeout ?? 0));
  }

  /**
   * Rings the phone of an originated leg (dial.c) or of a created channel (ARI dial). ARI dial
   * puts the channel in a dial bridge that reports later statuses without a dial string and never
   * NOANSWER; a created channel is already in Stasis, so it ends through StasisEnd.
   */
  private ringPhone(c: SimChannel, behaviour: PhoneBehaviour, timeoutSeconds: number): void {
    if (!c.alive) return;
    const created = c.ariDial !== null;
    const dial = (status: string) =>
      this.emit(this.appOf(c), 'Dial', { dialstatus: status, forward: '', dialstring: created && status ? '' : c.phone, peer: channelJson(c) });
    dial('');
    if (behaviour.kind === 'unreachable') {
      // Only a created channel gets here: its phone went away between create and dial.
      this.later(c, this.opts.busyDelayMs, () => this.hangup(c, { cause: 20 }, 20));
      return;
    }
    if (behaviour.kind === 'busy') {
      this.later(c, this.opts.busyDelayMs, () => {
        this.emitChannel(c, 'ChannelHangupRequest', { cause: 17, tech_cause: 486 });
        dial('BUSY');
        if (created) this.leaveStasisAndDestroy(c, 17, 486);
        else this.destroy(c, 17, 486);
      });
      return;
    }
    this.setState(c, 'Ringing');
    dial('RINGING');
    if (timeoutSeconds > 0) {
      this.later(c, timeoutSeconds * 1000, () => {
        if (c.state === 'Up') return;
        if (created) {
          // The dial bridge's timeout hook soft-hangs the channel up; leaving the bridge sets Normal Clearing.
          this.hangup(c, { cause: 32, soft: true }, 16);
          return;
        }
        dial('NOANSWER');
        this.destroy(c, 19, 480);
      });
    }
    if (behaviour.kind === 'answer') this.later(c, behaviour.afterMs, () => this.phoneAnswers(c));
  }

  /** The phone is picked up: the leg enters the app that originated it (a created one is in already). */
  phoneAnswers(c: SimChannel): void {
    if (!c.alive || c.state === 'Up') return;
    this.setState(c, 'Up');
    if (c.ariDial) {
      this.emit(this.appOf(c), 'Dial', { dialstatus: 'ANSWER', forward: '', dialstring: '', peer: channelJson(c) });
      return;
    }
    this.emit(c.originatedBy, 'Dial', { dialstatus: 'ANSWER', forward: '', dialstring: c.phone, peer: channelJson(c) });
    const app = c.originatedBy!;
    if (!this.connectedApps.has(app)) {
      // Nobody serves the app now: the leg cannot enter Stasis and is hung up.
      this.destroy(c, 16);
      return;
    }
    c.stasisApp = app;
    c.dialplan = { ...c.dialplan, app_name: 'Stasis', app_data: [app, ...c.appArgs].join(',') };
    this.emitChannel(c, 'StasisStart', { args: c.appArgs });
  }

  private later(c: SimChannel, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      c.timers = c.timers.filter((x) => x !== t);
      if (c.alive) fn();
    }, ms);
    c.timers.push(t);
  }

  answer(id: string): void {
    const c = this.inStasis(id);
    if (c.state !== 'Up') this.setState(c, 'Up');
  }

  ring(id: string, on: boolean): void {
    const c = this.inStasis(id);
    c.ringingIndicated = on;
  }

  /** ARI DELETE /channels/{id}: hung up by the app. */
  hangupByApp(id: string, cause = 16): void {
    const c = this.channel(id);
    if (c.originatedBy && !c.stasisApp) {
      // An unanswered leg the app gives up on: only ChannelDestroyed, "no answer" (trace s2).
      this.destroy(c, c.state === 'Up' ? cause : 19, c.state === 'Up' ? undefined : 480);
      return;
    }
    this.hangup(c, { cause: 32, soft: true }, cause);
  }

  /** The far end hangs up (caller puts the phone down, receptionist hangs up). */
  hangupFarEnd(id: string): void {
    const c = this.channel(id);
    if (c.originatedBy && !c.stasisApp) {
      this.destroy(c, 16);
      return;
    }
    this.hangup(c, {}, 16);
  }

  private hangup(c: SimChannel, request: Record<string, unknown>, cause: number): void {
    if (c.fellBack) {
      c.alive = false;
      this.live.delete(c);
      this.phoneChanged(c.phone);
      return;
    }
    this.emitChannel(c, 'ChannelHangupRequest', request);
    this.leaveStasisAndDestroy(c, cause);
  }

  private leaveStasisAndDestroy(c: SimChannel, cause: number, techCause?: number): void {
    this.finishMedia(c);
    if (c.bridgeId) this.leaveBridge(c);
    if (c.stasisApp) {
      this.emitChannel(c, 'StasisEnd');
      c.stasisApp = null;
      // An originated leg goes back to its dial app; a created channel's thread just hangs it up.
      c.dialplan = c.originatedBy && !c.ariDial ? { ...c.dialplan, app_name: 'AppDial2', app_data: '(Outgoing Line)' } : c.dialplan;
    }
    this.destroy(c, cause, techCause);
  }

  /** The channel is gone. Only the app that originated a channel hears ChannelDestroyed. */
  private destroy(c: SimChannel, cause: number, techCause?: number): void {
    if (!c.alive) return;
    this.finishMedia(c);
    if (c.bridgeId) this.leaveBridge(c);
    c.alive = false;
    this.live.delete(c);
    for (const t of c.timers) clearTimeout(t);
    c.timers = [];
    this.phoneChanged(c.phone);
    if (c.originatedBy) {
      const fields: Record<string, unknown> = { cause, cause_txt: CAUSE_TEXT[cause] ?? 'Unknown' };
      if (techCause) fields.tech_cause = techCause;
      this.emit(c.originatedBy, 'ChannelDestroyed', { ...fields, channel: channelJson(c) });
    }
    // Keep a short memory of dead channels for tests, then forget them (10k-call runs).
    setTimeout(() => this.channels.get(c.id) === c && this.channels.delete(c.id), 60_000).unref();
  }

  private finishMedia(c: SimChannel): void {
    for (const p of [...this.playbacks.values()]) if (p.channelId === c.id) this.finishPlayback(p);
    for (const r of [...this.liveRecordings.values()]) if (r.channelId === c.id) this.finishRecording(r);
  }

  setMoh(id: string, mohClass: string | null): void {
    const c = this.inStasis(id);
    c.moh = mohClass;
  }

  setVariable(id: string, name: string, value: string): void {
    const c = this.channel(id);
    c.variables[name] = value;
    this.emitChannel(c, 'ChannelVarset', { variable: name, value });
  }

  // ---- DTMF -----------------------------------------------------------------------------

  /** Digits pressed at the far end of a channel. */
  sendDtmf(id: string, digits: string, opts: { durationMs?: number; gapMs?: number } = {}): void {
    const c = this.channel(id);
    const gap = opts.gapMs ?? 100;
    [...digits].forEach((digit, i) => {
      this.later(c, i * gap, () => this.dtmf(c, digit, opts.durationMs ?? 100));
    });
  }

  private dtmf(c: SimChannel, digit: string, durationMs: number): void {
    const bridge = c.bridgeId ? this.bridges.get(c.bridgeId) : undefined;
    // A plain mixing bridge passes digits through with no event; dtmf_events reports them.
    if (!bridge || bridge.types.includes('dtmf_events')) {
      if (c.stasisApp) this.emitChannel(c, 'ChannelDtmfReceived', { digit, duration_ms: durationMs });
    }
    for (const r of this.liveRecordings.values()) {
      if (r.channelId === c.id && r.terminateOn.includes(digit)) this.finishRecording(r);
    }
  }

  // ---- bridges --------------------------------------------------------------------------

  createBridge(o: { bridgeId?: string; type?: string; name?: string; app: string }): SimBridge {
    const id = o.bridgeId || randomUUID();
    const existing = this.bridges.get(id);
    if (existing) return existing; // "Create a new bridge or update an existing one"
    const types = (o.type || 'mixing').split(',').map((t) => t.trim());
    for (const t of types) {
      if (!['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'].includes(t)) {
        throw new SimError(400, `Invalid bridge type '${t}'`);
      }
    }
    const b: SimBridge = {
      id,
      name: o.name ?? '',
      types,
      technology: types.includes('holding') ? 'holding_bridge' : 'simple_bridge',
      channels: [],
      creationtime: asteriskTime(),
      app: o.app,
      moh: null,
    };
    this.bridges.set(id, b);
    return b;
  }

  bridge(id: string): SimBridge {
    const b = this.bridges.get(id);
    if (!b) throw new SimError(404, 'Bridge not found');
    return b;
  }

  addToBridge(bridgeId: string, channelIds: string[]): void {
    const b = this.bridge(bridgeId);
    const chans = channelIds.map((id) => {
      const c = this.channels.get(id);
      if (!c || !c.alive) throw new SimError(400, 'Channel not found');
      return c;
    });
    for (const c of chans) if (!c.stasisApp) throw new SimError(422, 'Channel not in Stasis application');
    for (const c of chans) {
      if (c.bridgeId === b.id) continue;
      if (c.bridgeId) this.leaveBridge(c);
      b.channels.push(c.id);
      c.bridgeId = b.id;
      this.emit(this.appOf(c), 'ChannelEnteredBridge', { bridge: bridgeJson(b), channel: channelJson(c) });
      if (b.channels.length === 2 && b.technology === 'simple_bridge') {
        const other = this.channels.get(b.channels[0])!;
        if (!other.originatedBy) {
          other.connected = { ...c.caller };
          this.emitChannel(other, 'ChannelConnectedLine');
        }
        b.technology = 'native_rtp';
      }
    }
  }

  removeFromBridge(bridgeId: string, channelId: string): void {
    const b = this.bridge(bridgeId);
    const c = this.channels.get(channelId);
    if (!c || !c.alive) throw new SimError(400, 'Channel not found');
    if (c.bridgeId !== b.id) throw new SimError(422, 'Channel not in this bridge');
    this.leaveBridge(c);
  }

  private leaveBridge(c: SimChannel): void {
    const b = c.bridgeId ? this.bridges.get(c.bridgeId) : undefined;
    c.bridgeId = null;
    if (!b) return;
    b.channels = b.channels.filter((id) => id !== c.id);
    this.emit(this.appOf(c) ?? b.app, 'ChannelLeftBridge', { bridge: bridgeJson(b), channel: channelJson(c) });
    if (b.channels.length < 2 && b.technology === 'native_rtp') b.technology = 'simple_bridge';
  }

  destroyBridge(id: string): void {
    const b = this.bridge(id);
    for (const cid of [...b.channels]) {
      const c = this.channels.get(cid);
      if (c) this.leaveBridge(c);
    }
    this.bridges.delete(id);
    for (const p of [...this.playbacks.values()]) if (p.channelId === `bridge:${id}`) this.finishPlayback(p);
    setTimeout(() => this.emit(b.app, 'BridgeDestroyed', { bridge: bridgeJson(b) }), this.opts.bridgeDestroyDelayMs).unref();
  }

  setBridgeMoh(id: string, mohClass: string | null): void {
    this.bridge(id).moh = mohClass;
  }

  // ---- playback and recording -----------------------------------------------------------

  play(target: { channelId?: string; bridgeId?: string }, media: string[], playbackId?: string): SimPlayback {
    if (media.length === 0 || media.some((m) => !/^(sound|recording|number|digits|characters|tone|https?):/.test(m))) {
      throw new SimError(400, 'Invalid media URI');
    }
    let app: string | null;
    let targetUri: string;
    let ownerId: string;
    if (target.channelId) {
      const c = this.inStasis(target.channelId);
      app = c.stasisApp;
      targetUri = `channel:${c.id}`;
      ownerId = c.id;
      c.playing = media[0];
    } else {
      const b = this.bridge(target.bridgeId!);
      app = b.app;
      targetUri = `bridge:${b.id}`;
      ownerId = `bridge:${b.id}`;
    }
    const id = playbackId || randomUUID();
    if (this.playbacks.has(id)) throw new SimError(409, 'Playback with that id already exists');
    const p: SimPlayback = { id, media, channelId: ownerId, timer: null };
    this.playbacks.set(id, p);
    const json = (state: string) => ({ id, media_uri: media[0], next_media_uri: media[1], target_uri: targetUri, language: 'en', state });
    this.emit(app, 'PlaybackStarted', { playback: json('playing') });
    const step = (index: number) => {
      p.timer = setTimeout(() => {
        if (index + 1 < media.length) {
          const c = this.channels.get(ownerId);
          if (c) c.playing = media[index + 1];
          step(index + 1);
        } else this.finishPlayback(p);
      }, this.opts.playbackDurationMs);
    };
    step(0);
    (p as SimPlayback & { json: typeof json; app: string | null }).json = json;
    (p as SimPlayback & { app: string | null }).app = app;
    return p;
  }

  playbackJson(p: SimPlayback, state = 'playing') {
    return (p as SimPlayback & { json: (s: string) => unknown }).json(state);
  }

  finishPlayback(p: SimPlayback): void {
    if (!this.playbacks.delete(p.id)) return;
    if (p.timer) clearTimeout(p.timer);
    const c = this.channels.get(p.channelId);
    if (c && p.media.includes(c.playing ?? '')) c.playing = null;
    this.emit((p as SimPlayback & { app: string | null }).app, 'PlaybackFinished', { playback: this.playbackJson(p, 'done') });
  }

  record(channelId: string, o: { name: string; format: string; maxDurationSeconds?: number; terminateOn?: string; ifExists?: string }): SimRecording {
    const c = this.inStasis(channelId);
    if (!o.name || !o.format) throw new SimError(400, 'Missing required parameter');
    if (!['wav', 'gsm', 'ulaw', 'alaw', 'sln', 'g722', 'wav16'].includes(o.format)) throw new SimError(422, 'Format not supported');
    if (this.liveRecordings.has(o.name)) throw new SimError(409, 'Recording with that name is in progress');
    if (this.storedRecordings.has(o.name) && (o.ifExists ?? 'fail') === 'fail') throw new SimError(422, 'Recording already exists');
    const r: SimRecording = { name: o.name, format: o.format, channelId, terminateOn: o.terminateOn === 'none' ? '' : o.terminateOn ?? '', startedAt: Date.now(), timer: null };
    this.liveRecordings.set(o.name, r);
    c.recording = o.name;
    this.emit(c.stasisApp, 'RecordingStarted', { recording: this.recordingJson(r, 'recording') });
    if (o.maxDurationSeconds && o.maxDurationSeconds > 0) r.timer = setTimeout(() => this.finishRecording(r), o.maxDurationSeconds * 1000);
    return r;
  }

  recordingJson(r: SimRecording, state: string) {
    return { name: r.name, format: r.format, target_uri: `channel:${r.channelId}`, state, duration: Math.round((Date.now() - r.startedAt) / 1000), talking_duration: 0, silence_duration: 0 };
  }

  finishRecording(r: SimRecording): void {
    if (!this.liveRecordings.delete(r.name)) return;
    if (r.timer) clearTimeout(r.timer);
    const c = this.channels.get(r.channelId);
    if (c && c.recording === r.name) c.recording = null;
    this.storedRecordings.set(r.name, { name: r.name, format: r.format, durationMs: Date.now() - r.startedAt });
    this.emit(c ? this.appOf(c) ?? this.opts.stasisApp : this.opts.stasisApp, 'RecordingFinished', { recording: this.recordingJson(r, 'done') });
  }

  // ---- phones and endpoints -------------------------------------------------------------

  setPhone(name: string, behaviour: PhoneBehaviour): void {
    const existing = this.phones.get(name);
    const wasOnline = existing ? existing.behaviour.kind !== 'unreachable' : null;
    this.phones.set(name, { behaviour, offers: existing?.offers ?? 0 });
    this.phoneChanged(name);
    const online = behaviour.kind !== 'unreachable';
    if (wasOnline !== null && wasOnline !== online) {
      for (const [app, sources] of this.subscriptions) {
        if (sources.has('endpoint:PJSIP') || sources.has(`endpoint:PJSIP/${name}`)) {
          this.emit(app, 'EndpointStateChange', { endpoint: this.endpointJson(name) });
        }
      }
    }
  }

  endpointJson(name: string) {
    const phone = this.phones.get(name);
    return {
      technology: 'PJSIP',
      resource: name,
      state: phone && phone.behaviour.kind !== 'unreachable' ? 'online' : 'offline',
      channel_ids: this.liveChannels()
        .filter((c) => (c.phone ?? (c.name.startsWith('PJSIP/trunk-') ? 'trunk' : '')) === name)
        .map((c) => c.id),
    };
  }

  phoneLegs(name: string): SimChannel[] {
    return this.liveChannels().filter((c) => c.phone === name);
  }
}

/** `"Name" <number>` or `<number>` or `number`. */
export function parseCallerId(text: string): { name: string; number: string } {
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(text);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim(), number: m[3].trim() };
  return { name: '', number: text.trim() };
}

/** dialplan/receptionists.conf's idle-phone codes: the Stasis arguments a dialled code leads to. */
function receptionistsContext(exten: string): string[] | null {
  const fixed: Record<string, string[]> = {
    '*11': ['feature', 'login'],
    '*12': ['feature', 'logout'],
    '*14': ['feature', 'unpause'],
    '*15': ['feature', 'next'],
  };
  if (fixed[exten]) return fixed[exten]!;
  const pause = /^\*13([0-9]{0,2})$/.exec(exten);
  if (pause) return ['feature', 'pause', pause[1]!];
  const slot = /^7(0[1-9]|1[0-9]|20)$/.exec(exten);
  if (slot) return ['feature', 'retrieve', exten];
  return null;
}

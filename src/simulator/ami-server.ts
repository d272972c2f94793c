import { createServer, type Server, type Socket } from 'node:net';
import type { SimulatedPbx } from './pbx';

/*
 * AMI as Asterisk 22 speaks it (shared/asterisk/traces/ami-events*.txt): the greeting line,
 * `Key: Value` lines ended by CRLF, a blank line after each message, ActionID echoed right after
 * `Response:`. List actions answer `EventList: start`, then events carrying the ActionID, then a
 * `...Complete` event with `EventList: Complete` and `ListItems`.
 */

export interface AmiServerOptions {
  port?: number;
  host?: string;
  user?: string;
  secret?: string;
  systemName?: string;
  /** app_queue queues and their static members (queues.conf `member =>`), e.g. `{ 'switchboard-fallback': [] }`. */
  queues?: Record<string, string[]>;
}

export interface SimQueueMember {
  interface: string;
  membership: 'static' | 'dynamic';
  paused: boolean;
  pausedReason: string;
}

export interface SimulatedAmi {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly secret: string;
  /** Closes every AMI connection at once, as a network fault or an Asterisk restart would. */
  dropConnections(): void;
  /** false: the server reads and ignores everything (no greeting, answers or events), like a hung Asterisk. */
  setAnswering(on: boolean): void;
  /** Connections open now. */
  connections(): number;
  /** Successful logins since start. */
  logins(): number;
  /** Every action received, headers as sent (in answering mode). */
  actions(): Array<Record<string, string>>;
  /** Every byte received on every connection, as text (for "nothing was written" checks). */
  bytesReceived(): string;
  queueMembers(queue: string): SimQueueMember[];
  /** Modules reloaded (Reload action) and CLI commands run (Command action), in order. */
  reloads(): string[];
  close(): Promise<void>;
}

type DeviceState = 'NOT_INUSE' | 'INUSE' | 'RINGING' | 'RINGINUSE' | 'UNAVAILABLE' | 'INVALID';
const DEVSTATE_NUMBER: Record<DeviceState, number> = { NOT_INUSE: 1, INUSE: 2, INVALID: 4, UNAVAILABLE: 5, RINGING: 6, RINGINUSE: 7 };
const DEVSTATE_TEXT: Record<DeviceState, string> = {
  NOT_INUSE: 'Not in use',
  INUSE: 'In use',
  INVALID: 'Invalid',
  UNAVAILABLE: 'Unavailable',
  RINGING: 'Ringing',
  RINGINUSE: 'Ring+Inuse',
};
const MODULES = new Set(['pbx_config.so', 'res_pjsip.so', 'chan_pjsip.so', 'app_queue.so', 'res_musiconhold.so', 'manager']);

type Fields = Array<[string, string | number]>;

interface Session {
  socket: Socket;
  buffer: string;
  authenticated: boolean;
  events: boolean;
}

export async function startAmiServer(pbx: SimulatedPbx, opts: AmiServerOptions = {}): Promise<SimulatedAmi> {
  const user = opts.user ?? 'switchboard';
  const secret = opts.secret ?? 'switchboard';
  const systemName = opts.systemName ?? 'pbx1';
  const sessions = new Set<Session>();
  const received: Array<Record<string, string>> = [];
  let raw = '';
  let answering = true;
  let logins = 0;
  const reloads: string[] = [];
  const startedAt = Date.now();
  const queues = new Map<string, Map<string, SimQueueMember>>();
  for (const [name, members] of Object.entries(opts.queues ?? { 'switchboard-fallback': [] })) {
    queues.set(name, new Map(members.map((i) => [i, { interface: i, membership: 'static' as const, paused: false, pausedReason: '' }])));
  }

  // ---- phones -----------------------------------------------------------------------------

  const contactPort = (name: string) => 5070 + ([...pbx.phones.keys()].indexOf(name) + 1);
  const contactUri = (name: string) => `sip:${name}@127.0.0.1:${contactPort(name)}`;
  const reachable = (name: string) => pbx.phones.get(name)?.behaviour.kind !== 'unreachable';
  const deviceState = (name: string): DeviceState => {
    if (!pbx.phones.has(name)) return 'INVALID';
    if (!reachable(name)) return 'UNAVAILABLE';
    const legs = pbx.phoneLegs(name);
    const up = legs.some((c) => c.state === 'Up');
    const ringing = legs.some((c) => c.state === 'Ringing');
    if (ringing) return up ? 'RINGINUSE' : 'RINGING';
    return up ? 'INUSE' : 'NOT_INUSE';
  };
  const interfaceState = (iface: string): DeviceState => (iface.startsWith('PJSIP/') ? deviceState(iface.slice(6)) : 'INVALID');

  const lastReachable = new Map<string, boolean>();
  const lastDevice = new Map<string, DeviceState>();
  for (const name of pbx.phones.keys()) {
    lastReachable.set(name, reachable(name));
    lastDevice.set(name, deviceState(name));
  }
  const unsubscribe = pbx.onPhoneChange((name) => {
    const now = reachable(name);
    if (lastReachable.get(name) !== now) {
      lastReachable.set(name, now);
      // Real order on a failed qualify: ContactStatus, PeerStatus, then the device state.
      broadcast('ContactStatus', 'system,all', [
        ['URI', contactUri(name)],
        ['ContactStatus', now ? 'Reachable' : 'Unreachable'],
        ['AOR', name],
        ['EndpointName', name],
        ['RoundtripUsec', now ? 1523 : 0],
      ]);
      broadcast('PeerStatus', 'system,all', [
        ['ChannelType', 'PJSIP'],
        ['Peer', `PJSIP/${name}`],
        ['PeerStatus', now ? 'Reachable' : 'Unreachable'],
      ]);
    }
    const state = deviceState(name);
    if (lastDevice.get(name) !== state) {
      lastDevice.set(name, state);
      broadcast('DeviceStateChange', 'call,all', [
        ['Device', `PJSIP/${name}`],
        ['State', state],
      ]);
      for (const [queue, members] of queues) {
        const m = members.get(`PJSIP/${name}`);
        if (m) broadcast('QueueMemberStatus', 'agent,all', memberFields(queue, m));
      }
    }
  });

  // ---- wire -------------------------------------------------------------------------------

  const block = (lines: Fields) => lines.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
  const write = (s: Session, text: string) => {
    if (!s.socket.destroyed) s.socket.write(text);
  };
  function broadcast(event: string, privilege: string, fields: Fields): void {
    if (!answering) return;
    const text = block([['Event', event], ['Privilege', privilege], ['SystemName', systemName], ...fields]);
    for (const s of sessions) if (s.authenticated && s.events) write(s, text);
  }
  const respond = (s: Session, response: 'Success' | 'Error' | 'Goodbye', id: string | undefined, fields: Fields) =>
    write(s, block([['Response', response], ...(id !== undefined ? ([['ActionID', id]] as Fields) : []), ...fields]));
  const listStart = (s: Session, id: string | undefined, message: string) =>
    write(s, block([['Response', 'Success'], ...(id !== undefined ? ([['ActionID', id]] as Fields) : []), ['EventList', 'start'], ['Message', message]]));
  const listComplete = (s: Session, id: string | undefined, event: string, items: number) =>
    write(s, block([['Event', event], ...(id !== undefined ? ([['ActionID', id]] as Fields) : []), ['EventList', 'Complete'], ['ListItems', items]]));

  function memberFields(queue: string, m: SimQueueMember): Fields {
    const state = interfaceState(m.interface);
    return [
      ['Queue', queue],
      ['MemberName', m.interface],
      ['Interface', m.interface],
      ['StateInterface', m.interface],
      ['Membership', m.membership],
      ['Penalty', 0],
      ['CallsTaken', 0],
      ['LastCall', 0],
      ['LastPause', 0],
      ['LoginTime', Math.floor(startedAt / 1000)],
      ['InCall', state === 'INUSE' || state === 'RINGINUSE' ? 1 : 0],
      ['Status', DEVSTATE_NUMBER[state]],
      ['Paused', m.paused ? 1 : 0],
      ['PausedReason', m.pausedReason],
      ['Ringinuse', 0],
      ['Wrapuptime', 0],
    ];
  }

  // ---- actions ----------------------------------------------------------------------------

  function handle(s: Session, headers: Map<string, string>): void {
    const h = (k: string) => headers.get(k.toLowerCase());
    const id = h('ActionID');
    const action = (h('Action') ?? '').toLowerCase();
    if (!action) return respond(s, 'Error', id, [['Message', 'Missing action in request']]);
    if (!s.authenticated && action !== 'login' && action !== 'logoff' && action !== 'challenge') {
      return respond(s, 'Error', id, [['Message', 'Permission denied']]);
    }
    switch (action) {
      case 'login': {
        if (h('Username') !== user || h('Secret') !== secret) {
          respond(s, 'Error', id, [['Message', 'Authentication failed']]);
          s.socket.end();
          return;
        }
        s.authenticated = true;
        s.events = (h('Events') ?? 'on').toLowerCase() !== 'off';
        logins++;
        respond(s, 'Success', id, [['Message', 'Authentication accepted']]);
        if (s.events) {
          const uptime = Math.floor((Date.now() - startedAt) / 1000);
          write(s, block([['Event', 'FullyBooted'], ['Privilege', 'system,all'], ['Uptime', uptime], ['LastReload', uptime], ['Status', 'Fully Booted']]));
        }
        return;
      }
      case 'logoff':
        respond(s, 'Goodbye', id, [['Message', 'Thanks for all the fish.']]);
        s.socket.end();
        return;
      case 'ping':
        return respond(s, 'Success', id, [['Ping', 'Pong'], ['Timestamp', (Date.now() / 1000).toFixed(6)]]);
      case 'command': {
        const cli = (h('Command') ?? '').trim();
        reloads.push(`command:${cli}`);
        let output: string[] | null = null;
        if (cli === 'dialplan reload') output = ['Dialplan reloaded.'];
        else if (/^module reload \S+$/.test(cli)) output = [];
        else if (cli === 'core show version') output = ['Asterisk 22.11.0-rc1 built by simulator'];
        if (output === null) {
          return respond(s, 'Error', id, [['Message', 'Command output follows'], ['Output', `No such command '${cli}' (type 'core show help ${cli}' for other possible commands)`]]);
        }
        return respond(s, 'Success', id, [['Message', 'Command output follows'], ...output.map((l): [string, string] => ['Output', l])]);
      }
      case 'reload': {
        const module = h('Module');
        if (module && !MODULES.has(module)) return respond(s, 'Error', id, [['Message', 'No such module']]);
        reloads.push(module ?? 'all');
        return respond(s, 'Success', id, [['Message', 'Module Reloaded']]);
      }
      case 'pjsipshowendpoints': {
        const names = [...pbx.phones.keys()];
        if (names.length === 0) return respond(s, 'Error', id, [['Message', 'No endpoints found']]);
        listStart(s, id, 'A listing of Endpoints follows, presented as EndpointList events');
        for (const name of names) {
          write(s, block([
            ['Event', 'EndpointList'],
            ...(id !== undefined ? ([['ActionID', id]] as Fields) : []),
            ['ObjectType', 'endpoint'],
            ['ObjectName', name],
            ['Transport', 'transport-udp'],
            ['Aor', name],
            ['Auths', name === 'trunk' ? '' : name],
            ['OutboundAuths', ''],
            ['Contacts', `${name}/${contactUri(name)},`],
            ['DeviceState', DEVSTATE_TEXT[deviceState(name)]],
            ['ActiveChannels', pbx.endpointJson(name).channel_ids.join(',')],
          ]));
        }
        return listComplete(s, id, 'EndpointListComplete', names.length);
      }
      case 'pjsipshowcontacts': {
        const names = [...pbx.phones.keys()];
        listStart(s, id, 'A listing of Contacts follows, presented as ContactList events');
        for (const name of names) {
          const ok = reachable(name);
          write(s, block([
            ['Event', 'ContactList'],
            ...(id !== undefined ? ([['ActionID', id]] as Fields) : []),
            ['ObjectType', 'contact'],
            ['ObjectName', `${name}@@${contactPort(name)}`],
            ['ViaAddr', ''],
            ['QualifyTimeout', '3.000000'],
            ['CallId', ''],
            ['RegServer', systemName],
            ['PruneOnBoot', 'no'],
            ['Path', ''],
            ['Endpoint', name],
            ['ViaPort', 0],
            ['AuthenticateQualify', 'no'],
            ['Uri', contactUri(name)],
            ['QualifyFrequency', 15],
            ['UserAgent', 'SIPp'],
            ['ExpirationTime', Math.floor(Date.now() / 1000) + 3600],
            ['OutboundProxy', ''],
            ['Status', ok ? 'Reachable' : 'Unreachable'],
            ['RoundtripUsec', ok ? 1523 : 0],
          ]));
        }
        return listComplete(s, id, 'ContactListComplete', names.length);
      }
      case 'queuestatus': {
        const only = h('Queue');
        listStart(s, id, 'Queue status will follow');
        const idField: Fields = id !== undefined ? [['ActionID', id]] : [];
        let items = 0;
        for (const [name, members] of queues) {
          if (only && only !== name) continue;
          items++;
          write(s, block([
            ['Event', 'QueueParams'],
            ['Queue', name],
            ['Max', 0],
            ['Strategy', 'leastrecent'],
            ['Calls', 0],
            ['Holdtime', 0],
            ['TalkTime', 0],
            ['Completed', 0],
            ['Abandoned', 0],
            ['ServiceLevel', 0],
            ['ServicelevelPerf', '0.0'],
            ['ServicelevelPerf2', '0.0'],
            ['Weight', 0],
            ...idField,
          ]));
          for (const m of members.values()) {
            items++;
            const f = memberFields(name, m);
            // QueueMember spells MemberName/Interface as Name/Location, and has no Ringinuse.
            const renamed = f
              .filter(([k]) => k !== 'Ringinuse' && k !== 'Interface')
              .map(([k, v]): [string, string | number] => (k === 'MemberName' ? ['Name', v] : [k, v]));
            renamed.splice(2, 0, ['Location', m.interface]);
            write(s, block([['Event', 'QueueMember'], ...renamed, ...idField]));
          }
        }
        return listComplete(s, id, 'QueueStatusComplete', items);
      }
      case 'queueadd': {
        const queue = h('Queue');
        const iface = h('Interface');
        if (!queue || !iface) return respond(s, 'Error', id, [['Message', "'Queue' or 'Interface' not set."]]);
        const members = queues.get(queue);
        if (!members) return respond(s, 'Error', id, [['Message', 'Unable to add interface to queue: No such queue']]);
        if (members.has(iface)) return respond(s, 'Error', id, [['Message', 'Unable to add interface: Already there']]);
        const m: SimQueueMember = { interface: iface, membership: 'dynamic', paused: isTrue(h('Paused')), pausedReason: h('Reason') ?? '' };
        members.set(iface, m);
        respond(s, 'Success', id, [['Message', 'Added interface to queue']]);
        broadcast('QueueMemberAdded', 'agent,all', memberFields(queue, m));
        return;
      }
      case 'queueremove': {
        const queue = h('Queue');
        const iface = h('Interface');
        if (!queue || !iface) return respond(s, 'Error', id, [['Message', 'Need \'Queue\' and \'Interface\' parameters.']]);
        const members = queues.get(queue);
        if (!members) return respond(s, 'Error', id, [['Message', 'Unable to remove interface from queue: No such queue']]);
        const m = members.get(iface);
        if (!m) return respond(s, 'Error', id, [['Message', 'Unable to remove interface: Not there']]);
        if (m.membership !== 'dynamic') return respond(s, 'Error', id, [['Message', 'Member not dynamic']]);
        members.delete(iface);
        respond(s, 'Success', id, [['Message', 'Removed interface from queue']]);
        broadcast('QueueMemberRemoved', 'agent,all', memberFields(queue, m));
        return;
      }
      case 'queuepause': {
        const iface = h('Interface');
        const paused = h('Paused');
        if (!iface || paused === undefined) return respond(s, 'Error', id, [['Message', "Need 'Interface' and 'Paused' parameters."]]);
        const only = h('Queue');
        let found = false;
        for (const [name, members] of queues) {
          if (only && only !== name) continue;
          const m = members.get(iface);
          if (!m) continue;
          found = true;
          m.paused = isTrue(paused);
          m.pausedReason = m.paused ? h('Reason') ?? '' : '';
          broadcast('QueueMemberPause', 'agent,all', memberFields(name, m));
        }
        if (!found) return respond(s, 'Error', id, [['Message', 'Interface not found']]);
        return respond(s, 'Success', id, [['Message', isTrue(paused) ? 'Interface paused successfully' : 'Interface unpaused successfully']]);
      }
      default:
        return respond(s, 'Error', id, [['Message', `Invalid/unknown command: ${h('Action')}. Use Action: ListCommands to show available commands.`]]);
    }
  }

  function onData(s: Session, chunk: string): void {
    raw += chunk;
    if (raw.length > 1_000_000) raw = raw.slice(-500_000);
    if (!answering) return;
    s.buffer += chunk;
    if (s.buffer.length > 64 * 1024) {
      s.socket.destroy();
      return;
    }
    let end: RegExpExecArray | null;
    while ((end = /\r?\n\r?\n/.exec(s.buffer))) {
      const text = s.buffer.slice(0, end.index);
      s.buffer = s.buffer.slice(end.index + end[0].length);
      const headers = new Map<string, string>();
      const record: Record<string, string> = {};
      for (const line of text.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).replace(/^ /, '');
        if (!headers.has(key.toLowerCase())) headers.set(key.toLowerCase(), value);
        record[key] = value;
      }
      if (headers.size === 0) continue;
      received.push(record);
      handle(s, headers);
    }
  }

  const server: Server = createServer((socket) => {
    const s: Session = { socket, buffer: '', authenticated: false, events: false };
    sessions.add(s);
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    if (answering) socket.write('Asterisk Call Manager/11.0.0\r\n');
    socket.on('data', (chunk: string) => onData(s, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as { address: string; port: number };

  return {
    host: address.address,
    port: address.port,
    user,
    secret,
    dropConnections: () => {
      for (const s of sessions) s.socket.destroy();
    },
    setAnswering: (on) => {
      answering = on;
      if (on) for (const s of sessions) s.buffer = '';
    },
    connections: () => sessions.size,
    logins: () => logins,
    actions: () => received.map((r) => ({ ...r })),
    bytesReceived: () => raw,
    queueMembers: (queue) => [...(queues.get(queue)?.values() ?? [])].map((m) => ({ ...m })),
    reloads: () => [...reloads],
    close: async () => {
      unsubscribe();
      for (const s of sessions) s.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Asterisk's ast_true: yes, true, y, t, 1, on. */
function isTrue(v: string | undefined): boolean {
  return /^(yes|true|y|t|1|on)$/i.test((v ?? '').trim());
}

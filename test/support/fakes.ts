import type { ClientTransferRules } from '../../src/domain/destinations';
import type { CallSnapshot, TimelineEntry } from '../../src/domain/messages';
import type { ClientProfile, ReceptionistProfile } from '../../src/domain/model';
import type { ReceptionistSnapshot } from '../../src/domain/receptionist';
import type { CallLog, CallRecord } from '../../src/ports/call-log';
import type { CallControl, OriginateRequest, PbxBridge, PbxChannel, PbxEndpoint } from '../../src/ports/call-control';
import type { Directory } from '../../src/ports/directory';
import type { LiveStateStore } from '../../src/ports/live-state';

/** In-memory stand-ins for the ports, for tests of the layers above them. */

export class MemoryDirectory implements Directory {
  clients = new Map<string, ClientProfile>();
  numbers = new Map<string, string>();
  people = new Map<string, ReceptionistProfile>();
  async clientForNumber(did: string) {
    const id = this.numbers.get(did);
    return (id && this.clients.get(id)) || null;
  }
  async client(id: string) {
    return this.clients.get(id) ?? null;
  }
  async receptionists() {
    return [...this.people.values()];
  }
  async receptionist(id: string) {
    return this.people.get(id) ?? null;
  }
  rules = new Map<string, ClientTransferRules>();
  async transferRules(clientId: string): Promise<ClientTransferRules> {
    return this.rules.get(clientId) ?? { contacts: [], allow: [] };
  }
}

export class MemoryLiveState implements LiveStateStore {
  calls = new Map<string, CallSnapshot>();
  receptionists = new Map<string, ReceptionistSnapshot>();
  saveCall(call: CallSnapshot) {
    this.calls.set(call.id, call);
  }
  dropCall(id: string) {
    this.calls.delete(id);
  }
  saveReceptionist(r: ReceptionistSnapshot) {
    this.receptionists.set(r.id, r);
  }
  async load() {
    return { calls: [...this.calls.values()], receptionists: [...this.receptionists.values()] };
  }
  async flush() {}
}

export class MemoryCallLog implements CallLog {
  entries: TimelineEntry[] = [];
  append(entry: TimelineEntry) {
    this.entries.push(entry);
  }
  async flush() {}
  async call(id: string): Promise<CallRecord | null> {
    const timeline = this.entries.filter((e) => e.callId === id);
    if (timeline.length === 0) return null;
    const arrived = timeline.find((e) => e.kind === 'arrived') as Extract<TimelineEntry, { kind: 'arrived' }>;
    const ended = timeline.find((e) => e.kind === 'ended') as Extract<TimelineEntry, { kind: 'ended' }> | undefined;
    return {
      id,
      clientId: arrived.clientId,
      did: arrived.did,
      callerName: arrived.caller.name,
      callerNumber: arrived.caller.number,
      arrivedAt: new Date(arrived.at),
      answeredAt: null,
      endedAt: ended ? new Date(ended.at) : null,
      outcome: ended?.outcome ?? null,
      waitMs: ended?.waitMs ?? null,
      receptionistId: null,
      voicemailRecording: null,
      timeline,
    };
  }
  async recentCalls() {
    return [];
  }
}

/** Records every PBX request; channels and bridges can be preset for reconciliation tests. */
export class RecordingPbx implements CallControl {
  requests: Array<{ op: string; args: unknown[] }> = [];
  channelList: PbxChannel[] = [];
  bridgeList: PbxBridge[] = [];
  endpointList: PbxEndpoint[] = [];
  private log(op: string, ...args: unknown[]) {
    this.requests.push({ op, args });
  }
  ops(op: string) {
    return this.requests.filter((r) => r.op === op).map((r) => r.args);
  }
  async originate(req: OriginateRequest) {
    this.log('originate', req);
  }
  async answer(id: string) {
    this.log('answer', id);
  }
  async ring(id: string) {
    this.log('ring', id);
  }
  async hangup(id: string) {
    this.log('hangup', id);
  }
  async createBridge(id: string) {
    this.log('createBridge', id);
  }
  async destroyBridge(id: string) {
    this.log('destroyBridge', id);
  }
  async addToBridge(id: string, channels: string[]) {
    this.log('addToBridge', id, channels);
  }
  async removeFromBridge(id: string, channel: string) {
    this.log('removeFromBridge', id, channel);
  }
  async startBridgeMoh(id: string, cls: string) {
    this.log('startBridgeMoh', id, cls);
  }
  async stopBridgeMoh(id: string) {
    this.log('stopBridgeMoh', id);
  }
  async startChannelMoh(id: string, cls: string) {
    this.log('startChannelMoh', id, cls);
  }
  async stopChannelMoh(id: string) {
    this.log('stopChannelMoh', id);
  }
  async play(id: string, media: string[], playbackId: string) {
    this.log('play', id, media, playbackId);
  }
  async record(id: string, name: string) {
    this.log('record', id, name);
  }
  async channels() {
    return this.channelList;
  }
  async bridges() {
    return this.bridgeList;
  }
  async endpoints() {
    return this.endpointList;
  }
  async subscribe(source: string) {
    this.log('subscribe', source);
  }
}

import type { Logger } from 'pino';
import type { EndpointReachability, PhoneReachability } from '../../ports/pbx-admin';
import type { AmiError, AmiSession } from './ami-client';
import { field, parseDeviceState, type AmiEvent, type AmiMessage } from './ami-protocol';
import { parseEndpointListContacts, ReachabilityTracker, type EndpointSweepRow } from './reachability-tracker';

/**
 * Phone reachability from AMI: live ContactStatus / DeviceStateChange / PeerStatus events, and
 * a sweep (PJSIPShowEndpoints + PJSIPShowContacts) on every (re)connect, because AMI replays
 * nothing that happened while we were away. Events that arrive during a sweep are applied after
 * it, so an older sweep answer never overwrites a newer event.
 */
export class AmiPhoneReachability implements PhoneReachability {
  private readonly tracker = new ReachabilityTracker();
  private readonly listeners = new Set<(change: EndpointReachability) => void>();
  private sweeping: AmiEvent[] | null = null;
  /** A (re)connect came while a sweep ran: sweep once more when it ends. */
  private sweepAgain = false;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly ami: AmiSession,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = [ami.onEvent((e) => this.onEvent(e)), ami.onConnected(() => void this.sweep())];
    if (ami.isConnected) void this.sweep();
  }

  onReachability(listener: (change: EndpointReachability) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  current(endpoint: string): EndpointReachability | undefined {
    return this.tracker.current(endpoint);
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.listeners.clear();
  }

  /** Asks Asterisk for every endpoint and contact now. Never rejects; a failure is logged. */
  async sweep(): Promise<void> {
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = [];
    try {
      const [endpoints, contacts] = await Promise.all([
        this.ami.actionList({ Action: 'PJSIPShowEndpoints' }).then((r) => r.events, (err: AmiError) => emptyWhenNone(err)),
        this.ami.actionList({ Action: 'PJSIPShowContacts' }).then((r) => r.events, (err: AmiError) => emptyWhenNone(err)),
      ]);
      const rows = new Map<string, EndpointSweepRow>();
      for (const e of endpoints) {
        const name = field(e, 'objectname');
        if (!name) continue;
        const row: EndpointSweepRow = { endpoint: `PJSIP/${name}`, deviceState: parseDeviceState(field(e, 'devicestate') ?? ''), contacts: new Map() };
        for (const uri of parseEndpointListContacts(field(e, 'contacts') ?? '')) row.contacts.set(uri, 'Unknown');
        rows.set(row.endpoint, row);
      }
      for (const c of contacts) {
        const endpoint = field(c, 'endpoint');
        const uri = field(c, 'uri');
        if (!endpoint || !uri) continue;
        rows.get(`PJSIP/${endpoint}`)?.contacts.set(uri, field(c, 'status') ?? 'Unknown');
      }
      this.publish(this.tracker.applySweep([...rows.values()]));
      this.logger.debug({ endpoints: rows.size }, 'AMI reachability sweep done');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'AMI reachability sweep failed; the next (re)connect sweeps again');
    } finally {
      const queued = this.sweeping ?? [];
      this.sweeping = null;
      for (const e of queued) this.publish(this.tracker.apply(e));
      if (this.sweepAgain && this.ami.isConnected) {
        this.sweepAgain = false;
        void this.sweep();
      }
    }
  }

  private onEvent(event: AmiEvent): void {
    if (event.type !== 'ContactStatus' && event.type !== 'DeviceStateChange' && event.type !== 'PeerStatus') return;
    if (this.sweeping) this.sweeping.push(event);
    else this.publish(this.tracker.apply(event));
  }

  private publish(changes: EndpointReachability[]): void {
    for (const change of changes) {
      this.logger.info({ endpoint: change.endpoint, reachable: change.reachable, reason: change.reason }, 'phone reachability changed');
      for (const l of this.listeners) {
        try {
          l(change);
        } catch (err) {
          this.logger.error({ err, endpoint: change.endpoint }, 'reachability listener failed');
        }
      }
    }
  }
}

/** PJSIPShowEndpoints answers `Response: Error` / "No endpoints found" when there are none. */
function emptyWhenNone(err: AmiError): AmiMessage[] | Promise<never> {
  if (err.code === 'ami-action-failed' && /no .*found/i.test(err.message)) return [];
  return Promise.reject(err);
}

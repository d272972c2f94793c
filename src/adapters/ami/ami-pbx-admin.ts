import type { Logger } from 'pino';
import type { FallbackQueueSyncResult, PbxAdmin } from '../../ports/pbx-admin';
import { AmiError, type AmiSession } from './ami-client';
import { field, fieldAll } from './ami-protocol';

/** The app_queue queue dialplan/inbound.conf sends callers to when Switchboard is down (config/queues.conf). */
export const DEFAULT_FALLBACK_QUEUE = 'switchboard-fallback';

/** The pause reason on a static member that is paused because its receptionist is logged out. */
export const FALLBACK_PAUSE_REASON = 'switchboard-logged-out';

interface QueueMemberRow {
  location: string;
  membership: string;
  paused: boolean;
}

/**
 * Reloads and fallback-queue membership over AMI. Reloads use the `Reload` action with a module
 * (pbx_config.so is what `dialplan reload` reloads), which needs the AMI user's `system,config`
 * write class and not `command`, which would allow any CLI command.
 */
export class AmiPbxAdmin implements PbxAdmin {
  constructor(
    private readonly ami: AmiSession,
    private readonly logger: Logger,
  ) {}

  reloadDialplan(): Promise<string> {
    return this.reload('pbx_config.so');
  }

  reloadPjsip(): Promise<string> {
    return this.reload('res_pjsip.so');
  }

  /** A CLI command through the `Command` action (needs the `command` write class); its output lines. */
  async command(cli: string): Promise<string> {
    const res = await this.ami.action({ Action: 'Command', Command: cli });
    return fieldAll(res, 'output').join('\n');
  }

  async syncFallbackQueue(queue: string, loggedInEndpoints: readonly string[]): Promise<FallbackQueueSyncResult> {
    const wanted = new Set(loggedInEndpoints);
    const result: FallbackQueueSyncResult = { queue, added: [], removed: [], paused: [], unpaused: [] };
    const members = await this.queueMembers(queue);
    const present = new Map(members.map((m) => [m.location, m]));

    for (const endpoint of wanted) {
      const m = present.get(endpoint);
      if (!m) {
        await this.ami.action({ Action: 'QueueAdd', Queue: queue, Interface: endpoint, Penalty: 0, Paused: 'false' });
        result.added.push(endpoint);
      } else if (m.paused) {
        await this.ami.action({ Action: 'QueuePause', Queue: queue, Interface: endpoint, Paused: 'false' });
        result.unpaused.push(endpoint);
      }
    }
    for (const m of members) {
      if (wanted.has(m.location)) continue;
      if (m.membership === 'dynamic') {
        await this.ami.action({ Action: 'QueueRemove', Queue: queue, Interface: m.location });
        result.removed.push(m.location);
      } else if (!m.paused) {
        // Static (queues.conf) and realtime members cannot be removed over AMI: pause them.
        await this.ami.action({ Action: 'QueuePause', Queue: queue, Interface: m.location, Paused: 'true', Reason: FALLBACK_PAUSE_REASON });
        result.paused.push(m.location);
      }
    }
    if (result.added.length + result.removed.length + result.paused.length + result.unpaused.length > 0) {
      this.logger.info({ ...result }, 'fallback queue synced');
    }
    return result;
  }

  private async queueMembers(queue: string): Promise<QueueMemberRow[]> {
    const { events } = await this.ami.actionList({ Action: 'QueueStatus', Queue: queue });
    if (!events.some((e) => field(e, 'event') === 'QueueParams' && field(e, 'queue') === queue)) {
      throw new AmiError('ami-action-failed', 'QueueStatus', `no such app_queue queue: ${queue}`);
    }
    return events
      .filter((e) => field(e, 'event') === 'QueueMember' && field(e, 'queue') === queue)
      .map((e) => ({
        location: field(e, 'location') ?? '',
        membership: field(e, 'membership') ?? 'dynamic',
        paused: field(e, 'paused') === '1',
      }))
      .filter((m) => m.location !== '');
  }

  private async reload(module: string): Promise<string> {
    const res = await this.ami.action({ Action: 'Reload', Module: module });
    const message = field(res, 'message') ?? 'Module Reloaded';
    this.logger.info({ module, message }, 'Asterisk module reloaded');
    return message;
  }
}

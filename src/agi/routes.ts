import { decideAfterHours } from '../domain/after-hours';
import { BusinessHoursError, currentStatusText, openingStateAt, type OpeningReason } from '../domain/business-hours';
import { classifyCaller, isPlausibleCallerNumber } from '../domain/caller-screening';
import type { Clock } from '../ports/clock';
import type { DialplanClient, DialplanData } from '../ports/dialplan-data';
import type { AgiEnvironment } from './agi-protocol';

/** What a route gets: the parsed request. */
export interface AgiRequest {
  /** e.g. `client-lookup`. */
  script: string;
  env: AgiEnvironment;
  /** `agi_arg_1`, `agi_arg_2`, ... */
  args: string[];
}

/** Channel variables to set, in order; the server sets `SB_STATUS` last. */
export type ChannelVariables = Record<string, string>;

export type LookupStatus = 'ok' | 'unknown-number' | 'error';

export interface AgiRoute {
  run(request: AgiRequest): Promise<ChannelVariables>;
  /** Safe defaults when `run` fails or times out; the server adds `SB_STATUS=error`. */
  failSafe(request: AgiRequest): ChannelVariables;
}

export interface DialplanRouteDefaults {
  /** Shown for numbers no client owns (config DEFAULT_CLIENT_NAME). */
  clientName: string;
  /** Mailbox for unknown numbers and clients without one (config DEFAULT_VOICEMAIL_BOX). */
  voicemailBox: string;
}

const MAILBOX = /^[A-Za-z0-9_-]{1,40}(@[A-Za-z0-9_-]{1,40})?$/;

/** The dialled number: the first AGI() argument when given, else the extension. */
export function dialledNumber(request: AgiRequest): string {
  const fromArg = (request.args[0] ?? '').trim();
  return fromArg || (request.env.agi_extension ?? '');
}

const flag = (value: boolean): string => (value ? '1' : '0');

function mailboxOf(client: DialplanClient | null, defaults: DialplanRouteDefaults): string {
  const box = client?.voicemailBox;
  // The mailbox goes into VoiceMail()'s arguments: anything beyond a plain box@context is refused.
  return box && MAILBOX.test(box) ? box : defaults.voicemailBox;
}

interface Opening {
  open: boolean;
  reason: OpeningReason | 'unknown-number' | 'error';
  closureLabel: string;
}

/** A bad time zone in the data must not take the line down: answer, and report the error. */
function openingOf(client: DialplanClient, atMs: number): Opening {
  try {
    return openingStateAt(client.schedule, atMs);
  } catch (err) {
    if (err instanceof BusinessHoursError) return { open: true, reason: 'error', closureLabel: '' };
    throw err;
  }
}

/** `client-lookup`: who owns the dialled number, open now?, posted status, mailbox. */
export function clientLookupRoute(deps: { data: DialplanData; clock: Clock; defaults: DialplanRouteDefaults }): AgiRoute {
  const variables = (client: DialplanClient | null, opening: Opening, status: string, lookup: LookupStatus): ChannelVariables => ({
    SB_CLIENT_ID: client?.id ?? '',
    SB_CLIENT_NAME: client?.name ?? deps.defaults.clientName,
    SB_CLIENT_OPEN: flag(opening.open),
    SB_CLIENT_OPEN_REASON: opening.reason,
    SB_CLIENT_CLOSURE: opening.closureLabel,
    SB_CLIENT_STATUS: status,
    SB_VOICEMAIL_BOX: mailboxOf(client, deps.defaults),
    SB_STATUS: lookup,
  });
  return {
    async run(request) {
      const now = deps.clock.now();
      const client = await deps.data.clientForNumber(dialledNumber(request), now);
      if (!client) return variables(null, { open: true, reason: 'unknown-number', closureLabel: '' }, '', 'unknown-number');
      const opening = openingOf(client, now);
      return variables(client, opening, currentStatusText(client.status, now), opening.reason === 'error' ? 'error' : 'ok');
    },
    failSafe: () => variables(null, { open: true, reason: 'error', closureLabel: '' }, '', 'error'),
  };
}

/** `caller-lookup`: is the caller known, VIP or blocked, for the dialled client or company-wide. */
export function callerLookupRoute(deps: { data: DialplanData; clock: Clock }): AgiRoute {
  const nobody = (clientId: string, lookup: LookupStatus): ChannelVariables => ({
    SB_CLIENT_ID: clientId,
    SB_CALLER_CLASS: 'unknown',
    SB_CALLER_KNOWN: '0',
    SB_CALLER_VIP: '0',
    SB_CALLER_BLOCKED: '0',
    SB_CALLER_SCOPE: 'none',
    SB_CALLER_LABEL: '',
    SB_STATUS: lookup,
  });
  return {
    async run(request) {
      const callerNumber = request.env.agi_callerid ?? '';
      // Company-wide lists still apply to numbers no client owns.
      const client = await deps.data.clientForNumber(dialledNumber(request), deps.clock.now());
      const clientId = client?.id ?? null;
      const entries = isPlausibleCallerNumber(callerNumber) ? await deps.data.callerListEntries(callerNumber, clientId) : [];
      const caller = classifyCaller(callerNumber, clientId, entries);
      return {
        SB_CLIENT_ID: clientId ?? '',
        SB_CALLER_CLASS: caller.callerClass,
        SB_CALLER_KNOWN: flag(caller.known),
        SB_CALLER_VIP: flag(caller.vip),
        SB_CALLER_BLOCKED: flag(caller.blocked),
        SB_CALLER_SCOPE: caller.scope,
        SB_CALLER_LABEL: caller.label,
        SB_STATUS: client ? 'ok' : 'unknown-number',
      };
    },
    // Never block a caller because a lookup failed.
    failSafe: () => nobody('', 'error'),
  };
}

/** `after-hours`: answer while open; otherwise the client's configured voicemail, announcement or forward. */
export function afterHoursRoute(deps: { data: DialplanData; clock: Clock; defaults: DialplanRouteDefaults }): AgiRoute {
  // Unknown numbers and failures are answered: the receptionists can always take a call.
  const answer = (clientId: string, reason: string, lookup: LookupStatus): ChannelVariables => ({
    SB_CLIENT_ID: clientId,
    SB_CLIENT_OPEN: '1',
    SB_AFTER_HOURS_ACTION: 'answer',
    SB_AFTER_HOURS_REASON: reason,
    SB_VOICEMAIL_BOX: deps.defaults.voicemailBox,
    SB_ANNOUNCEMENT: '',
    SB_FORWARD_TO: '',
    SB_STATUS: lookup,
  });
  return {
    async run(request) {
      const now = deps.clock.now();
      const client = await deps.data.clientForNumber(dialledNumber(request), now);
      if (!client) return answer('', 'unknown-number', 'unknown-number');
      const opening = openingOf(client, now);
      if (opening.reason === 'error') return answer(client.id, 'error', 'error');
      const decision = decideAfterHours(opening.open, client.afterHours);
      return {
        SB_CLIENT_ID: client.id,
        SB_CLIENT_OPEN: flag(opening.open),
        SB_AFTER_HOURS_ACTION: decision.action,
        SB_AFTER_HOURS_REASON: decision.reason,
        SB_VOICEMAIL_BOX: mailboxOf(client, deps.defaults),
        SB_ANNOUNCEMENT: decision.announcement,
        SB_FORWARD_TO: decision.forwardTo,
        SB_STATUS: 'ok',
      };
    },
    failSafe: () => answer('', 'error', 'error'),
  };
}

/** The three routes by script name, ready for `startFastAgiServer({ routes })`. */
export function dialplanRoutes(deps: { data: DialplanData; clock: Clock; defaults: DialplanRouteDefaults }): Map<string, AgiRoute> {
  return new Map<string, AgiRoute>([
    ['client-lookup', clientLookupRoute(deps)],
    ['caller-lookup', callerLookupRoute(deps)],
    ['after-hours', afterHoursRoute(deps)],
  ]);
}

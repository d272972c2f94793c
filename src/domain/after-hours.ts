/**
 * What happens to a call outside business hours, as the client configured it. Pure.
 *
 * Forwarding sends the call out over the trunk at the company's expense, so it needs two things:
 * the company allowed it for this client (`forwardAllowed`, set by staff, never by the client),
 * and the target is a plain phone number. Otherwise the call falls back to voicemail.
 */

export type AfterHoursAction = 'answer' | 'voicemail' | 'announcement' | 'forward';

export interface AfterHoursPolicy {
  /** What the client chose for calls while closed. */
  action: Exclude<AfterHoursAction, 'answer'>;
  /** Sound file (no extension), e.g. `custom/acme-closed`. */
  announcement: string | null;
  forwardTo: string | null;
  forwardAllowed: boolean;
}

export type AfterHoursReason =
  | 'open'
  | 'configured'
  | 'forward-not-allowed'
  | 'forward-target-invalid'
  | 'announcement-missing';

export interface AfterHoursDecision {
  action: AfterHoursAction;
  /** Set only when `action` is `forward`. */
  forwardTo: string;
  /** Set only when `action` is `announcement`. */
  announcement: string;
  /** Why this action, when it differs from the configured one. */
  reason: AfterHoursReason;
}

/** Digits with an optional leading +, 3 to 20 digits: nothing a dialplan could misread. */
const FORWARD_TARGET = /^\+?[0-9]{3,20}$/;
/** A sound file name: letters, digits, `_`, `-`, `/`, no `..`. */
const SOUND_FILE = /^(?!.*\.\.)[A-Za-z0-9_/-][A-Za-z0-9_./-]{0,127}$/;

export function isAllowedForwardTarget(value: string): boolean {
  return FORWARD_TARGET.test(value);
}

export function isSafeSoundFile(value: string): boolean {
  return SOUND_FILE.test(value);
}

export function decideAfterHours(open: boolean, policy: AfterHoursPolicy): AfterHoursDecision {
  const none = { forwardTo: '', announcement: '' };
  if (open) return { action: 'answer', ...none, reason: 'open' };
  switch (policy.action) {
    case 'forward': {
      if (!policy.forwardAllowed) return { action: 'voicemail', ...none, reason: 'forward-not-allowed' };
      if (!policy.forwardTo || !isAllowedForwardTarget(policy.forwardTo)) return { action: 'voicemail', ...none, reason: 'forward-target-invalid' };
      return { action: 'forward', ...none, forwardTo: policy.forwardTo, reason: 'configured' };
    }
    case 'announcement': {
      if (!policy.announcement || !isSafeSoundFile(policy.announcement)) return { action: 'voicemail', ...none, reason: 'announcement-missing' };
      return { action: 'announcement', ...none, announcement: policy.announcement, reason: 'configured' };
    }
    case 'voicemail':
      return { action: 'voicemail', ...none, reason: 'configured' };
  }
}

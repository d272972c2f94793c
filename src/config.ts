import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ClientProfile } from './domain/model';
import type { PromptRules } from './domain/callback-prompt';
import type { CallbackPolicy } from './domain/callbacks';
import { isValidTimeZone } from './domain/business-hours';
import { checkFeatureCodes, type FeatureCodeSettings } from './domain/feature-codes';
import type { ParkSettings, TransferSettings } from './domain/switchboard';

/** One ARI media URI, e.g. `sound:sb-callback-offer`. */
const MEDIA = '^(sound|recording):[A-Za-z0-9_/.-]{1,128}$';
const FEATURE_CODE = '^[0-9*#]{2,4}$';
const MODULE_LEVEL = '[a-z-]+=(fatal|error|warn|info|debug|trace|silent)';

/** Every setting, read once from the environment and validated; see README "Configuration". */
export const ConfigSchema = Type.Object({
  ASTERISK_ARI_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  ASTERISK_ARI_USER: Type.String({ default: 'switchboard' }),
  ASTERISK_ARI_PASSWORD: Type.String({ default: '' }),
  ARI_APP: Type.String({ default: 'switchboard', pattern: '^[A-Za-z0-9_-]+$' }),
  ARI_REQUEST_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100 }),
  ARI_HEARTBEAT_MS: Type.Integer({ default: 10000, minimum: 500 }),
  DATABASE_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/test' }),
  DATABASE_SCHEMA: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]*$' })),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  REDIS_PREFIX: Type.String({ default: 'sb:' }),
  HTTP_HOST: Type.String({ default: '127.0.0.1' }),
  HTTP_PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  SWITCHBOARD_API_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** `required` or `open`; unset: `open` only for the demo (no ASTERISK_ARI_URL) on a loopback HTTP_HOST. */
  API_AUTH: Type.Optional(Type.Union([Type.Literal('required'), Type.Literal('open')])),
  SESSION_TTL_HOURS: Type.Number({ default: 12, exclusiveMinimum: 0, maximum: 24 * 90 }),
  LOGIN_MAX_FAILURES: Type.Integer({ default: 5, minimum: 1, maximum: 1000 }),
  LOG_LEVEL: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], { default: 'info' }),
  /** Per-module levels over LOG_LEVEL, e.g. `calls=debug,ari=warn` (modules: ari, ami, agi, calls, http, postgres, redis, demo). */
  LOG_LEVELS: Type.String({ default: '', pattern: `^$|^${MODULE_LEVEL}(,${MODULE_LEVEL})*$` }),
  DEFAULT_CLIENT_NAME: Type.String({ default: 'our answering service' }),
  DEFAULT_MOH_CLASS: Type.String({ default: 'default' }),
  DEFAULT_VOICEMAIL_BOX: Type.String({ default: '1000@switchboard' }),
  FASTAGI_ENABLED: Type.Boolean({ default: true }),
  FASTAGI_HOST: Type.String({ default: '127.0.0.1' }),
  FASTAGI_PORT: Type.Integer({ default: 4573, minimum: 0, maximum: 65535 }),
  FASTAGI_MAX_SESSIONS: Type.Integer({ default: 200, minimum: 1 }),
  FASTAGI_MAX_LINE_BYTES: Type.Integer({ default: 8192, minimum: 512 }),
  FASTAGI_ENV_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100 }),
  FASTAGI_RESPONSE_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100 }),
  FASTAGI_LOOKUP_TIMEOUT_MS: Type.Integer({ default: 3000, minimum: 100 }),
  FASTAGI_SESSION_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 1000 }),
  /** AMI (Asterisk Manager Interface); unset = no AMI (phone reachability then comes from ARI endpoint events only). */
  ASTERISK_AMI_HOST: Type.Optional(Type.String({ minLength: 1 })),
  ASTERISK_AMI_PORT: Type.Integer({ default: 5038, minimum: 1, maximum: 65535 }),
  ASTERISK_AMI_USER: Type.String({ default: 'switchboard', pattern: '^[^\\r\\n]+$' }),
  ASTERISK_AMI_SECRET: Type.String({ default: '', pattern: '^[^\\r\\n]*$' }),
  AMI_ACTION_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100 }),
  AMI_KEEPALIVE_MS: Type.Integer({ default: 10000, minimum: 0 }),
  AMI_CONNECT_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100 }),
  /** The app_queue queue the dialplan falls back to when the Stasis app is down; empty = do not manage its members. */
  AMI_FALLBACK_QUEUE: Type.String({ default: 'switchboard-fallback', pattern: '^[A-Za-z0-9_.-]*$' }),
  DEMO: Type.Optional(Type.Boolean()),
  SIMULATOR_PORT: Type.Integer({ default: 8088, minimum: 0, maximum: 65535 }),
  // Analytics, billing and queue_log (docs/analytics.md).
  ANALYTICS_SERVICE_LEVEL_SECONDS: Type.Integer({ default: 20, minimum: 1, maximum: 3600 }),
  ANALYTICS_SHORT_ABANDON_SECONDS: Type.Integer({ default: 5, minimum: 0, maximum: 3600 }),
  /** IANA zone of the company's day (the wallboard's "today"), e.g. `Europe/London`. */
  COMPANY_TIME_ZONE: Type.String({ default: 'UTC', minLength: 1, maxLength: 64 }),
  BILLING_ROUNDING_SECONDS: Type.Integer({ default: 30, minimum: 1, maximum: 3600 }),
  BILLING_MINIMUM_SECONDS: Type.Integer({ default: 0, minimum: 0, maximum: 3600 }),
  BILLING_INCLUDE_HOLD: Type.Boolean({ default: true }),
  BILLING_INCLUDE_WRAP_UP: Type.Boolean({ default: false }),
  /** Unset or empty: queue_log goes to the `queue_log` table only. */
  QUEUE_LOG_FILE: Type.Optional(Type.String({ minLength: 1 })),
  QUEUE_LOG_AGENT: Type.Union([Type.Literal('agent'), Type.Literal('endpoint')], { default: 'agent' }),
  // Callbacks (docs/callbacks.md).
  CALLBACK_NUMBER_PATTERN: Type.String({ default: '^\\+?[0-9]{7,15}$', minLength: 1 }),
  /** ARI dial string of the outbound leg; {number} is the number to call. */
  CALLBACK_DIAL_TEMPLATE: Type.String({ default: 'PJSIP/{number}@trunk', pattern: '\\{number\\}' }),
  CALLBACK_MAX_ATTEMPTS: Type.Integer({ default: 3, minimum: 1, maximum: 10 }),
  /** Seconds before attempt 2, 3, ... (the last repeats). */
  CALLBACK_RETRY_SECONDS: Type.String({ default: '120,300', pattern: '^[0-9]{1,6}(,[0-9]{1,6})*$' }),
  CALLBACK_RING_SECONDS: Type.Integer({ default: 30, minimum: 5, maximum: 120 }),
  CALLBACK_DIGIT_TIMEOUT_SECONDS: Type.Integer({ default: 8, minimum: 1, maximum: 60 }),
  CALLBACK_OFFER_MEDIA: Type.String({ default: 'sound:sb-callback-offer', pattern: MEDIA }),
  CALLBACK_CONFIRM_MEDIA: Type.String({ default: 'sound:sb-callback-confirm', pattern: MEDIA }),
  CALLBACK_MENU_MEDIA: Type.String({ default: 'sound:sb-callback-menu', pattern: MEDIA }),
  CALLBACK_ACCEPTED_MEDIA: Type.String({ default: 'sound:sb-callback-accepted', pattern: MEDIA }),
  CALLBACK_INVALID_MEDIA: Type.String({ default: 'sound:sb-callback-invalid', pattern: MEDIA }),
  // Receptionist feature codes and transfers (README "Feature codes").
  FEATURE_CODE_BLIND_TRANSFER: Type.String({ default: '##', pattern: FEATURE_CODE }),
  FEATURE_CODE_ATTENDED_TRANSFER: Type.String({ default: '*2', pattern: FEATURE_CODE }),
  FEATURE_CODE_PARK: Type.String({ default: '#72', pattern: FEATURE_CODE }),
  FEATURE_CODE_DISCONNECT: Type.String({ default: '**', pattern: FEATURE_CODE }),
  FEATURE_CODE_HOLD: Type.String({ default: '*0', pattern: FEATURE_CODE }),
  FEATURE_CODE_VOICEMAIL: Type.String({ default: '*9', pattern: FEATURE_CODE }),
  /** While consulting a contact (announced transfer): back to the caller, complete, three-way (Asterisk's atxfer defaults). */
  FEATURE_CODE_TRANSFER_ABORT: Type.String({ default: '*1', pattern: FEATURE_CODE }),
  FEATURE_CODE_TRANSFER_COMPLETE: Type.String({ default: '*2', pattern: FEATURE_CODE }),
  FEATURE_CODE_TRANSFER_THREEWAY: Type.String({ default: '*3', pattern: FEATURE_CODE }),
  /** How long a consulted contact rings before the receptionist is back with the caller. */
  ANNOUNCED_TRANSFER_RING_SECONDS: Type.Integer({ default: 20, minimum: 5, maximum: 120 }),
  FEATURE_CODE_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 500, maximum: 10000 }),
  /** What the receptionist alone hears for an invalid or refused code. */
  FEATURE_ERROR_MEDIA: Type.String({ default: 'sound:beeperr', pattern: '^(sound|recording|tone):[A-Za-z0-9_/.,*+-]{1,128}$' }),
  /** Dial string of a transfer to a number; {number} is the checked E.164 number. */
  TRANSFER_DIAL_TEMPLATE: Type.String({ default: 'PJSIP/{number}@trunk', pattern: '\\{number\\}' }),
  /** Dial string of a transfer to an internal extension; {ext} is the checked extension. */
  TRANSFER_EXTENSION_DIAL_TEMPLATE: Type.String({ default: 'PJSIP/{ext}', pattern: '\\{ext\\}' }),
  TRANSFER_RING_SECONDS: Type.Integer({ default: 25, minimum: 5, maximum: 120 }),
  TRANSFER_HOME_COUNTRY_CODE: Type.String({ default: '1', pattern: '^[1-9][0-9]{0,2}$' }),
  /** E.164 prefixes (no +) that are premium-rate, comma-separated. */
  TRANSFER_PREMIUM_PREFIXES: Type.String({ default: '1900,1976,449', pattern: '^$|^[0-9]{1,15}(,[0-9]{1,15})*$' }),
  TRANSFER_EXTENSION_PATTERN: Type.String({ default: '^[0-9]{2,6}$', minLength: 1 }),
  /** Park slots: a range `701-720` or a list `701,702`. */
  PARK_SLOTS: Type.String({ default: '701-720', pattern: '^([0-9]{1,6}-[0-9]{1,6}|[0-9]{1,6}(,[0-9]{1,6})*)$' }),
  PARK_TIMEOUT_SECONDS: Type.Integer({ default: 45, minimum: 5, maximum: 3600 }),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, picked));
  const errors = [...Value.Errors(ConfigSchema, converted)];
  if (errors.length > 0) {
    throw new ConfigError('invalid configuration: ' + errors.map((e) => `${e.path.slice(1)} ${e.message}`).join('; '));
  }
  const config = converted as Config;
  // Decided here, before main.ts fills ASTERISK_ARI_URL in for the demo's simulator.
  config.API_AUTH ??= !config.ASTERISK_ARI_URL && isLoopback(config.HTTP_HOST) ? 'open' : 'required';
  const codes = checkFeatureCodes(featureCodeSettings(config).codes);
  if (!codes.ok) throw new ConfigError(`invalid configuration: ${codes.message}`);
  // Read apart from the call's codes (only while consulting), so only checked among themselves.
  const consultCodes = checkFeatureCodes(featureCodeSettings(config).consultCodes ?? {});
  if (!consultCodes.ok) throw new ConfigError(`invalid configuration: ${consultCodes.message}`);
  if (parkSettings(config).slots.length === 0) throw new ConfigError('invalid configuration: PARK_SLOTS is an empty or reversed range');
  try {
    new RegExp(config.TRANSFER_EXTENSION_PATTERN);
  } catch {
    throw new ConfigError('invalid configuration: TRANSFER_EXTENSION_PATTERN is not a regular expression');
  }
  if (!isValidTimeZone(config.COMPANY_TIME_ZONE)) throw new ConfigError('invalid configuration: COMPANY_TIME_ZONE is not a known time zone');
  return config;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Receptionist feature codes from the configuration. */
export function featureCodeSettings(config: Config): FeatureCodeSettings {
  return {
    codes: {
      blindTransfer: config.FEATURE_CODE_BLIND_TRANSFER,
      attendedTransfer: config.FEATURE_CODE_ATTENDED_TRANSFER,
      park: config.FEATURE_CODE_PARK,
      disconnect: config.FEATURE_CODE_DISCONNECT,
      holdToggle: config.FEATURE_CODE_HOLD,
      voicemail: config.FEATURE_CODE_VOICEMAIL,
    },
    consultCodes: {
      abort: config.FEATURE_CODE_TRANSFER_ABORT,
      complete: config.FEATURE_CODE_TRANSFER_COMPLETE,
      threeWay: config.FEATURE_CODE_TRANSFER_THREEWAY,
    },
    interDigitTimeoutMs: config.FEATURE_CODE_TIMEOUT_MS,
    maxTargetDigits: 20,
    maxDigitsPerWindow: 40,
  };
}

/** Park slots (first free one is used) and the park timeout. */
export function parkSettings(config: Config): ParkSettings {
  const range = /^([0-9]+)-([0-9]+)$/.exec(config.PARK_SLOTS);
  let slots: string[];
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    slots = to >= from && to - from < 1000 ? Array.from({ length: to - from + 1 }, (_, i) => String(from + i)) : [];
  } else slots = [...new Set(config.PARK_SLOTS.split(','))];
  return { slots, timeoutSeconds: config.PARK_TIMEOUT_SECONDS };
}

/** Where transfers may go and how they are dialled. */
export function transferSettings(config: Config): TransferSettings {
  return {
    policy: {
      homeCountryCode: config.TRANSFER_HOME_COUNTRY_CODE,
      premiumPrefixes: config.TRANSFER_PREMIUM_PREFIXES.split(',').filter((p) => p !== ''),
      extensionPattern: config.TRANSFER_EXTENSION_PATTERN,
    },
    templates: { number: config.TRANSFER_DIAL_TEMPLATE, extension: config.TRANSFER_EXTENSION_DIAL_TEMPLATE },
    ringSeconds: config.TRANSFER_RING_SECONDS,
    announcedRingSeconds: config.ANNOUNCED_TRANSFER_RING_SECONDS,
  };
}

/** The safe company-wide default for a number no client owns: hold music, then voicemail. */
export function defaultClientProfile(config: Config): ClientProfile {
  return {
    id: 'default',
    name: config.DEFAULT_CLIENT_NAME,
    greeting: `Thank you for calling ${config.DEFAULT_CLIENT_NAME}, how may I help you?`,
    mohClass: config.DEFAULT_MOH_CLASS,
    holdPrompt: null,
    announcePosition: false,
    priorityTier: 0,
    maxWaitSeconds: 120,
    overflow: { kind: 'voicemail', mailbox: config.DEFAULT_VOICEMAIL_BOX, greeting: 'sound:vm-intro', maxSeconds: 180 },
  };
}

/** The analytics and billing settings, in the shape the analytics adapter takes. */
export function analyticsSettings(config: Config) {
  return {
    serviceLevelSeconds: config.ANALYTICS_SERVICE_LEVEL_SECONDS,
    shortAbandonSeconds: config.ANALYTICS_SHORT_ABANDON_SECONDS,
    billing: {
      roundingSeconds: config.BILLING_ROUNDING_SECONDS,
      minimumSeconds: config.BILLING_MINIMUM_SECONDS,
      includeHold: config.BILLING_INCLUDE_HOLD,
      includeWrapUp: config.BILLING_INCLUDE_WRAP_UP,
    },
  };
}

/** Callback retry policy from the configuration (docs/callbacks.md). */
export function callbackPolicy(config: Config): CallbackPolicy {
  return {
    maxAttempts: config.CALLBACK_MAX_ATTEMPTS,
    retryDelaysMs: config.CALLBACK_RETRY_SECONDS.split(',').map((x) => Number(x) * 1000),
    ringTimeoutSeconds: config.CALLBACK_RING_SECONDS,
  };
}

/** What the caller hears and may key when offered a callback. */
export function callbackPromptRules(config: Config): PromptRules {
  return {
    pattern: config.CALLBACK_NUMBER_PATTERN,
    media: {
      offer: config.CALLBACK_OFFER_MEDIA,
      confirm: config.CALLBACK_CONFIRM_MEDIA,
      menu: config.CALLBACK_MENU_MEDIA,
      accepted: config.CALLBACK_ACCEPTED_MEDIA,
      invalid: config.CALLBACK_INVALID_MEDIA,
    },
    digitTimeoutMs: config.CALLBACK_DIGIT_TIMEOUT_SECONDS * 1000,
    maxDigits: 15,
    maxKeypresses: 64,
    maxInvalid: 3,
  };
}

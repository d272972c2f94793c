import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ClientProfile } from './domain/model';

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
  LOG_LEVEL: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], { default: 'info' }),
  /** Per-module levels over LOG_LEVEL, e.g. `calls=debug,ari=warn` (modules: ari, calls, http, postgres, redis, demo). */
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
  DEMO: Type.Optional(Type.Boolean()),
  SIMULATOR_PORT: Type.Integer({ default: 8088, minimum: 0, maximum: 65535 }),
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
  return converted as Config;
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

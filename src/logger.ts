import pino, { type Logger } from 'pino';

/** Secrets and callers' personal data never reach the logs. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'ASTERISK_ARI_PASSWORD',
  '*.ASTERISK_ARI_PASSWORD',
  'secret',
  '*.secret',
  'ASTERISK_AMI_SECRET',
  '*.ASTERISK_AMI_SECRET',
  'SWITCHBOARD_API_TOKEN',
  '*.SWITCHBOARD_API_TOKEN',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'REDIS_URL',
  '*.REDIS_URL',
  'SMTP_URL',
  '*.SMTP_URL',
  'webhookSecret',
  '*.webhookSecret',
  'req.headers.authorization',
  'headers.authorization',
  'caller.name',
  '*.caller.name',
  'callerName',
  '*.callerName',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'switchboard' } }, destination);
}

/** `calls=debug,ari=warn` -> a map; the config schema has checked the shape. */
export function parseModuleLevels(text: string): Map<string, string> {
  const levels = new Map<string, string>();
  for (const part of text.split(',')) {
    const [module, level] = part.split('=');
    if (module && level) levels.set(module.trim(), level.trim());
  }
  return levels;
}

/** A module's child logger (`module` field), at its own level when LOG_LEVELS names one. */
export function moduleLogger(root: Logger, module: string, levels: Map<string, string>): Logger {
  const level = levels.get(module);
  return level ? root.child({ module }, { level }) : root.child({ module });
}

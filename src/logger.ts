import pino, { type Logger } from 'pino';

/** Secrets and callers' personal data never reach the logs. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'ASTERISK_ARI_PASSWORD',
  '*.ASTERISK_ARI_PASSWORD',
  'SWITCHBOARD_API_TOKEN',
  '*.SWITCHBOARD_API_TOKEN',
  'DATABASE_URL',
  '*.DATABASE_URL',
  'REDIS_URL',
  '*.REDIS_URL',
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

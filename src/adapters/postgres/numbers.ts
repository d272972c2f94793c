/** A dialled number as stored and looked up: digits with an optional leading +. */
export function normaliseNumber(raw: string): string {
  const trimmed = raw.trim();
  const digits = trimmed.replace(/[^0-9]/g, '');
  return trimmed.startsWith('+') ? `+${digits}` : digits;
}

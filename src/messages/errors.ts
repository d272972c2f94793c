/**
 * A failure that another try cannot fix (recording gone, address rejected, nothing configured).
 * Adapters throw it; the worker turns it into BullMQ's UnrecoverableError.
 */
export class PermanentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** A webhook answered other than 2xx (status 0: no answer). Retried. */
export class WebhookRejected extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'WebhookRejected';
  }
}

/** A one-line reason for the deliveries table and the admin view: no stack, bounded. */
export function reasonOf(err: unknown): string {
  const text =
    err instanceof PermanentError ? `${err.code}: ${err.message}` : err instanceof Error ? `${err.name === 'Error' ? '' : err.name + ': '}${err.message}` : String(err);
  return text.length > 500 ? text.slice(0, 497) + '...' : text;
}

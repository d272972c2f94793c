/** The running Switchboard's HTTP API, as the CLI reads it. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  async get<T>(path: string): Promise<{ status: number; body: T }> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl.replace(/\/+$/, '') + path, {
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new CliError(`cannot reach Switchboard at ${this.baseUrl} (${(err as Error).message}); is it running? (--url or SWITCHBOARD_URL)`);
    }
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`unexpected answer from ${this.baseUrl}${path}: HTTP ${res.status}`);
    }
    if (res.status === 401) throw new CliError('Switchboard wants a token: set SWITCHBOARD_API_TOKEN');
    return { status: res.status, body: body as T };
  }
}

/** A failure the user can act on: printed as one line, exit code 1. */
export class CliError extends Error {}

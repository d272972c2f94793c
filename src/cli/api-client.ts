/** The running Switchboard's HTTP API, as the CLI reads it. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  get<T>(path: string): Promise<{ status: number; body: T }> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, payload?: unknown): Promise<{ status: number; body: T }> {
    let res: Response;
    try {
      const headers: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
      if (payload !== undefined) headers['content-type'] = 'application/json';
      res = await fetch(this.baseUrl.replace(/\/+$/, '') + path, {
        method,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
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

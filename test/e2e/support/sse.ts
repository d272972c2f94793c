/** Reads the server-sent events of /api/events, as a console would. */
export class EventStream {
  readonly events: Array<{ type: string; data: any }> = [];
  private readonly controller = new AbortController();

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
    const stream = new EventStream();
    const res = await fetch(url, { headers, signal: stream.controller.signal });
    if (!res.ok || !res.body) throw new Error(`event stream: ${res.status}`);
    void stream.pump(res.body);
    return stream;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data) this.events.push({ type, data: JSON.parse(data) });
        }
      }
    } catch {
      /* closed */
    }
  }

  ofType(type: string): any[] {
    return this.events.filter((e) => e.type === type).map((e) => e.data);
  }

  close(): void {
    this.controller.abort();
  }
}

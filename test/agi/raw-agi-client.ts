import net from 'node:net';

/**
 * res_agi.c's parse_args, line for line: how Asterisk splits a command into arguments (spaces
 * separate, double quotes group, a backslash makes the next character literal).
 */
export function parseAgiArguments(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let escaped = false;
  let inWord = false;
  for (const ch of line) {
    if (ch === '"' && !escaped) {
      quoted = !quoted;
      if (quoted && !inWord) inWord = true;
      continue;
    }
    if ((ch === ' ' || ch === '\t') && !quoted && !escaped) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
      continue;
    }
    if (ch === '\\' && !escaped) {
      escaped = true;
      continue;
    }
    current += ch;
    inWord = true;
    escaped = false;
  }
  if (inWord) args.push(current);
  return args;
}

/** The environment Asterisk 22 sent in the recorded trace, for a given script and extras. */
export function environment(script: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    agi_network: 'yes',
    agi_network_script: script,
    agi_request: `agi://127.0.0.1:4573/${script}`,
    agi_channel: 'PJSIP/trunk-00000032',
    agi_language: 'en',
    agi_type: 'PJSIP',
    agi_uniqueid: 'pbx1-1795342910.50',
    agi_version: '22.11.0-rc1',
    agi_callerid: '5035551234',
    agi_calleridname: 'Lab Caller',
    agi_callingpres: '0',
    agi_callingani2: '0',
    agi_callington: '0',
    agi_callingtns: '0',
    agi_dnid: '5035550100',
    agi_rdnis: 'unknown',
    agi_context: 'from-trunk',
    agi_extension: '5035550100',
    agi_priority: '2',
    agi_enhanced: '0.0',
    agi_accountcode: '',
    agi_threadid: '140036865668800',
    ...extra,
  };
}

export function environmentBlock(env: Record<string, string>): string {
  return `${Object.entries(env)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n\n`;
}

/** A raw TCP peer of the FastAGI server, playing Asterisk's part. */
export class RawAgiClient {
  readonly socket: net.Socket;
  /** Every line the server sent, in order. */
  readonly received: string[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  closedByServer = false;
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        this.received.push(this.buffer.slice(0, i));
        this.buffer = this.buffer.slice(i + 1);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => {
      socket.on('end', () => {
        this.closedByServer = true;
        this.wake();
      });
      socket.on('close', () => {
        this.wake();
        resolve();
      });
    });
  }

  static connect(port: number): Promise<RawAgiClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawAgiClient(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next line the server sends (index `n` of all received), or null if it closes first. */
  async line(n: number, timeoutMs = 5000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length <= n) {
      if (this.closedByServer || this.socket.destroyed) return null;
      if (Date.now() > deadline) throw new Error(`no line ${n} from the server within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received[n];
  }

  /** Waits until the server has closed its side (FIN or reset). */
  async serverClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedByServer && !this.socket.destroyed) {
      if (Date.now() > deadline) throw new Error('the server did not close the connection');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface AsteriskRun {
  /** Channel variables as Asterisk would have stored them (after its own argument parsing). */
  variables: Record<string, string>;
  /** Names in the order they were set. */
  order: string[];
  commands: string[];
  closedByServer: boolean;
}

/**
 * Plays a well-behaved Asterisk: sends the environment, answers every command `200 result=1`
 * (or what `reply` says), records SET VARIABLEs, and returns once the server closes.
 */
export async function runAsAsterisk(port: number, env: Record<string, string>, reply: (command: string, index: number) => string = () => '200 result=1\n'): Promise<AsteriskRun> {
  const client = await RawAgiClient.connect(port);
  client.send(environmentBlock(env));
  const variables: Record<string, string> = {};
  const order: string[] = [];
  for (let i = 0; ; i++) {
    const line = await client.line(i);
    if (line === null) break;
    const args = parseAgiArguments(line);
    if (args[0] === 'SET' && args[1] === 'VARIABLE') {
      variables[args[2]] = args[3];
      order.push(args[2]);
    }
    client.send(reply(line, i));
  }
  await client.serverClosed();
  client.destroy();
  return { variables, order, commands: client.received, closedByServer: client.closedByServer };
}

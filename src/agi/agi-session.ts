import type { Socket } from 'node:net';
import {
  AgiError,
  closesMultilineResponse,
  isHangupNotice,
  opensMultilineResponse,
  parseEnvironmentLine,
  parseResponseLine,
  type AgiEnvironment,
  type AgiResponse,
} from './agi-protocol';

export interface AgiSessionLimits {
  /** A longer line (or unterminated input) ends the session. */
  maxLineBytes: number;
  /** More environment lines than this ends the session (Asterisk sends about 25). */
  maxEnvironmentLines: number;
  /** From connect to the blank line that ends the environment. */
  environmentTimeoutMs: number;
  /** From sending a command to its response. */
  responseTimeoutMs: number;
}

interface Pending {
  resolve(response: AgiResponse): void;
  reject(error: AgiError): void;
  timer: NodeJS.Timeout;
  /** Lines of a `520-` block so far. */
  block: string[] | null;
  blockCode: number;
}

type Phase = 'environment' | 'commands' | 'closed';

/**
 * One FastAGI connection: reads the environment, then sends commands one at a time and reads
 * their responses. Every failure (timeout, oversize line, malformed input, hang-up, the peer
 * closing) rejects the waiting call with an AgiError and closes the socket; nothing is thrown
 * from socket callbacks.
 */
export class AgiSession {
  private phase: Phase = 'environment';
  private buffer: Buffer = Buffer.alloc(0);
  private readonly environment: Record<string, string> = {};
  private environmentLines = 0;
  private environmentWaiter: { resolve(env: AgiEnvironment): void; reject(error: AgiError): void } | null = null;
  private readonly environmentTimer: NodeJS.Timeout;
  private environmentDone = false;
  private pending: Pending | null = null;
  private failure: AgiError | null = null;
  private destroyTimer: NodeJS.Timeout | null = null;
  /** Asterisk sent `HANGUP`: the caller is gone. */
  hungUp = false;

  constructor(
    private readonly socket: Socket,
    private readonly limits: AgiSessionLimits,
    private readonly onFailure: (error: AgiError) => void = () => undefined,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.fail(new AgiError('agi-closed', 'the peer closed the connection')));
    socket.on('close', () => this.fail(new AgiError('agi-closed', 'the connection closed')));
    // 'close' follows every 'error'; the error itself is only the reason.
    socket.on('error', (err) => this.fail(new AgiError('agi-closed', `socket error: ${err.message}`)));
    this.environmentTimer = setTimeout(
      () => this.fail(new AgiError('agi-timeout', `no complete environment within ${limits.environmentTimeoutMs} ms`)),
      limits.environmentTimeoutMs,
    );
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** The `agi_*` block; rejects if it does not arrive complete and well-formed in time. */
  readEnvironment(): Promise<AgiEnvironment> {
    if (this.environmentDone) return Promise.resolve(this.environment);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.environmentWaiter = { resolve, reject };
    });
  }

  /** Sends one command line and waits for its response (any code: 200, 510, 511, 520). */
  command(line: string): Promise<AgiResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.phase !== 'commands') return Promise.reject(new AgiError('agi-closed', 'the session is not ready for commands'));
    if (this.hungUp) return Promise.reject(new AgiError('agi-hangup', 'the caller hung up'));
    if (this.pending) return Promise.reject(new AgiError('agi-unexpected-response', 'a command is already waiting for its response'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new AgiError('agi-timeout', `no response within ${this.limits.responseTimeoutMs} ms`)),
        this.limits.responseTimeoutMs,
      );
      this.pending = { resolve, reject, timer, block: null, blockCode: 0 };
      this.socket.write(`${line}\n`);
    });
  }

  /**
   * Ends the session: our FIN tells Asterisk the script is done, so the dialplan continues. A
   * peer that never closes its side is cut off after `graceMs`.
   */
  close(graceMs = 2000): void {
    if (this.phase === 'closed') return;
    this.settle(new AgiError('agi-closed', 'the session was closed'));
    this.phase = 'closed';
    this.socket.end();
    this.destroyTimer = setTimeout(() => this.socket.destroy(), graceMs);
    this.destroyTimer.unref();
    this.socket.once('close', () => {
      if (this.destroyTimer) clearTimeout(this.destroyTimer);
    });
  }

  /** Cuts the connection at once (server shutdown). */
  destroy(): void {
    this.settle(new AgiError('agi-closed', 'the session was destroyed'));
    this.phase = 'closed';
    if (this.destroyTimer) clearTimeout(this.destroyTimer);
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let newline = this.buffer.indexOf(0x0a);
    while (newline >= 0 && !this.closed) {
      if (newline > this.limits.maxLineBytes) return this.lineTooLong();
      let line = this.buffer.subarray(0, newline).toString('utf8');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.buffer = this.buffer.subarray(newline + 1);
      this.handleLine(line);
      newline = this.buffer.indexOf(0x0a);
    }
    if (this.buffer.length > this.limits.maxLineBytes) this.lineTooLong();
  }

  private lineTooLong(): void {
    this.fail(new AgiError('agi-line-too-long', `a line exceeded ${this.limits.maxLineBytes} bytes`));
  }

  private handleLine(line: string): void {
    if (this.phase === 'environment') return this.handleEnvironmentLine(line);
    if (isHangupNotice(line)) {
      this.hungUp = true;
      // The in-flight command's response may still come, but nothing more is worth sending.
      const pending = this.pending;
      if (pending) {
        this.pending = null;
        clearTimeout(pending.timer);
        pending.reject(new AgiError('agi-hangup', 'the caller hung up'));
      }
      return;
    }
    const pending = this.pending;
    if (!pending) return; // A stray line with nothing asked: ignore, as Asterisk would.
    if (pending.block) {
      pending.block.push(line);
      if (closesMultilineResponse(line, pending.blockCode)) {
        const first = parseResponseLine(pending.block[0])!;
        this.resolvePending({ ...first, text: pending.block.join('\n') });
      }
      return;
    }
    const response = parseResponseLine(line);
    if (!response) return this.fail(new AgiError('agi-unexpected-response', 'a response line was not `NNN ...`'));
    if (opensMultilineResponse(line)) {
      pending.block = [line];
      pending.blockCode = response.code;
      return;
    }
    this.resolvePending(response);
  }

  private handleEnvironmentLine(line: string): void {
    if (line === '') {
      clearTimeout(this.environmentTimer);
      this.environmentDone = true;
      this.phase = 'commands';
      const waiter = this.environmentWaiter;
      this.environmentWaiter = null;
      waiter?.resolve(this.environment);
      return;
    }
    this.environmentLines += 1;
    if (this.environmentLines > this.limits.maxEnvironmentLines) {
      return this.fail(new AgiError('agi-environment-too-large', `more than ${this.limits.maxEnvironmentLines} environment lines`));
    }
    const entry = parseEnvironmentLine(line);
    if (!entry) return this.fail(new AgiError('agi-malformed-environment', 'an environment line was not `agi_name: value`'));
    this.environment[entry.key] = entry.value;
  }

  private resolvePending(response: AgiResponse): void {
    const pending = this.pending!;
    this.pending = null;
    clearTimeout(pending.timer);
    pending.resolve(response);
  }

  /** Rejects whoever waits, reports the first real failure, and closes. */
  private fail(error: AgiError): void {
    if (this.phase === 'closed') return;
    if (!this.failure) {
      this.failure = error;
      this.onFailure(error);
    }
    this.settle(error);
    this.close(0);
  }

  private settle(error: AgiError): void {
    clearTimeout(this.environmentTimer);
    if (!this.failure) this.failure = error;
    const waiter = this.environmentWaiter;
    this.environmentWaiter = null;
    waiter?.reject(error);
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }
}

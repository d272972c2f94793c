import net from 'node:net';
import type { Logger } from 'pino';
import { AgiError, scriptArguments, scriptName, setVariableCommand, verboseCommand, type AgiEnvironment } from './agi-protocol';
import { AgiSession, type AgiSessionLimits } from './agi-session';
import type { AgiRequest, AgiRoute, ChannelVariables } from './routes';

export interface FastAgiServerOptions extends Partial<AgiSessionLimits> {
  /** Default 127.0.0.1: AGI has no authentication, so only the PBX may reach it. */
  host?: string;
  /** Default 4573, the FastAGI port; 0 picks a free one (tests). */
  port?: number;
  /** Sessions served at once; extra connections get `SB_STATUS=busy` and are closed. Default 200. */
  maxSessions?: number;
  /** A route's lookup taking longer than this gets its safe defaults and `SB_STATUS=error`. Default 3000. */
  lookupTimeoutMs?: number;
  /** A whole session, connect to close, is cut after this. Default 30000. */
  sessionTimeoutMs?: number;
  routes: ReadonlyMap<string, AgiRoute>;
  logger: Logger;
}

export interface FastAgiServer {
  /** Where it listens (the real port when 0 was asked). */
  readonly host: string;
  readonly port: number;
  /** Sessions being served now. */
  activeSessions(): number;
  /** Stops accepting, cuts open sessions (the dialplan continues as after a normal end). */
  close(): Promise<void>;
}

export const FASTAGI_DEFAULTS = {
  host: '127.0.0.1',
  port: 4573,
  maxSessions: 200,
  maxLineBytes: 8192,
  maxEnvironmentLines: 200,
  environmentTimeoutMs: 5000,
  responseTimeoutMs: 5000,
  lookupTimeoutMs: 3000,
  sessionTimeoutMs: 30_000,
} as const;

const STATUS = 'SB_STATUS';

class LookupTimeout extends Error {
  readonly code = 'agi-lookup-timeout';
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LookupTimeout(`lookup took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The FastAGI server: one session per connection, routed by `agi_network_script`. */
export async function startFastAgiServer(options: FastAgiServerOptions): Promise<FastAgiServer> {
  const settings = { ...FASTAGI_DEFAULTS, ...definedOnly(options) };
  const { routes, logger } = options;
  const sessions = new Set<AgiSession>();
  const refused = new Set<net.Socket>();
  let nextSessionId = 0;

  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    if (sessions.size >= settings.maxSessions) return refuse(socket);
    const sessionId = ++nextSessionId;
    const log = logger.child({ agiSession: sessionId });
    const session = new AgiSession(socket, settings, (error) => {
      // Timeouts, oversize lines, malformed input and peers closing early all land here.
      const level = error.code === 'agi-closed' ? 'debug' : 'warn';
      log[level]({ code: error.code, err: error.message }, 'FastAGI session ended early');
    });
    sessions.add(session);
    const deadline = setTimeout(() => {
      log.warn({ code: 'agi-session-timeout', limitMs: settings.sessionTimeoutMs }, 'FastAGI session took too long; closing');
      session.destroy();
    }, settings.sessionTimeoutMs);
    serve(session, log)
      .catch((err) => log.error({ err: (err as Error).message }, 'FastAGI session failed'))
      .finally(() => {
        clearTimeout(deadline);
        session.close();
        sessions.delete(session);
      });
  });

  /** Over the cap: tell the dialplan why (SB_STATUS=busy) and close, without serving. */
  function refuse(socket: net.Socket): void {
    logger.warn({ code: 'agi-too-many-sessions', maxSessions: settings.maxSessions }, 'FastAGI connection refused: too many sessions');
    refused.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => refused.delete(socket));
    socket.resume(); // Asterisk's environment and its reply are read and dropped.
    // Asterisk reads commands only after sending its environment, so this one waits its turn.
    socket.end(`${setVariableCommand(STATUS, 'busy')}\n`);
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  async function serve(session: AgiSession, log: Logger): Promise<void> {
    let env: AgiEnvironment;
    try {
      env = await session.readEnvironment();
    } catch (err) {
      if (!(err instanceof AgiError)) throw err;
      return; // Already logged by the session's failure report.
    }
    const request: AgiRequest = { script: scriptName(env), env, args: scriptArguments(env) };
    const sessionLog = log.child({ callId: env.agi_uniqueid ?? '', script: request.script });
    const route = routes.get(request.script);
    if (!route) {
      sessionLog.warn({ code: 'agi-unknown-script' }, 'FastAGI request for an unknown script');
      await send(session, sessionLog, [verboseCommand(`Switchboard: unknown FastAGI script ${request.script}`)], { [STATUS]: 'unknown-script' });
      return;
    }
    let variables: ChannelVariables;
    try {
      variables = await withTimeout(route.run(request), settings.lookupTimeoutMs);
    } catch (err) {
      sessionLog.error({ code: (err as { code?: string }).code ?? 'agi-route-failed', err: (err as Error).message }, 'FastAGI lookup failed; safe defaults sent');
      variables = { ...route.failSafe(request), [STATUS]: 'error' };
    }
    sessionLog.debug({ status: variables[STATUS], clientId: variables.SB_CLIENT_ID }, 'FastAGI lookup done');
    await send(session, sessionLog, [], variables);
  }

  /** Sends the commands and variables, SB_STATUS last so that it is only set when the rest are. */
  async function send(session: AgiSession, log: Logger, before: string[], variables: ChannelVariables): Promise<void> {
    const { [STATUS]: status, ...rest } = variables;
    const lines = [...before, ...Object.entries(rest).map(([name, value]) => setVariableCommand(name, value))];
    if (status !== undefined) lines.push(setVariableCommand(STATUS, status));
    for (const line of lines) {
      try {
        const response = await session.command(line);
        if (response.code === 511) return log.info({ code: 'agi-dead-channel' }, 'channel is gone; stopping');
        if (response.code !== 200) log.warn({ code: 'agi-command-refused', agiCode: response.code, response: response.text.slice(0, 200) }, 'Asterisk refused a command');
      } catch (err) {
        if (!(err instanceof AgiError)) throw err;
        if (err.code === 'agi-hangup') log.info({ code: err.code }, 'caller hung up during the FastAGI session');
        return;
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After start, a server error (e.g. EMFILE on accept) is logged, never thrown.
  server.on('error', (err) => logger.error({ err: err.message }, 'FastAGI server error'));
  const address = server.address() as net.AddressInfo;
  logger.info({ host: address.address, port: address.port, maxSessions: settings.maxSessions }, 'FastAGI listening');

  return {
    host: address.address,
    port: address.port,
    activeSessions: () => sessions.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      for (const socket of refused) socket.destroy();
      await closed;
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

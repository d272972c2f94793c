import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { AmiConnection, type AmiClientOptions } from '../../src/adapters/ami';
import { startAsteriskSimulator, type AsteriskSimulator, type SimulatedAmi } from '../../src/simulator';

/** A pino logger that keeps every line, to assert on warnings. */
export function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export const waitFor = async (check: () => boolean, ms = 5000, what = 'condition'): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

export interface AmiLab {
  sim: AsteriskSimulator;
  ami: SimulatedAmi;
  client: AmiConnection;
  lines: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The simulator with AMI, phones rx1..rx3 answering, and a started client logged in to it. */
export async function amiLab(opts: { client?: Partial<AmiClientOptions>; queues?: Record<string, string[]>; phones?: string[] } = {}): Promise<AmiLab> {
  const sim = await startAsteriskSimulator({ ami: { queues: opts.queues } });
  for (const p of opts.phones ?? ['rx1', 'rx2', 'rx3']) sim.setPhone(p, { kind: 'no-answer' });
  const ami = sim.ami!;
  const { logger, lines } = recordingLogger();
  const client = new AmiConnection({ host: ami.host, port: ami.port, user: ami.user, secret: ami.secret, logger, ...opts.client });
  client.start();
  await waitFor(() => client.isConnected, 5000, 'AMI login');
  return {
    sim,
    ami,
    client,
    lines,
    close: async () => {
      await client.stop();
      await sim.close();
    },
  };
}

/** Fails the test run if anything escapes to the event loop while `fn` runs. */
export function trackEscapes(): { escaped: unknown[]; dispose(): void } {
  const escaped: unknown[] = [];
  const onEscape = (err: unknown) => escaped.push(err);
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  return {
    escaped,
    dispose: () => {
      process.off('unhandledRejection', onEscape);
      process.off('uncaughtException', onEscape);
    },
  };
}

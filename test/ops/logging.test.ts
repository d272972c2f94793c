import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NoticeHub } from '../../src/adapters/runtime/notice-hub';
import { CallService } from '../../src/calls/call-service';
import { loadConfig } from '../../src/config';
import type { ClientProfile } from '../../src/domain/model';
import { createLogger, moduleLogger, parseModuleLevels } from '../../src/logger';
import { MemoryCallLog, MemoryDirectory, MemoryLiveState, RecordingPbx } from '../support/fakes';

function captured(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text));
      done();
    },
  });
  return { lines, stream };
}

const acme: ClientProfile = {
  id: 'acme', name: 'Acme', greeting: 'Hi', mohClass: 'acme', holdPrompt: null, announcePosition: false,
  priorityTier: 0, maxWaitSeconds: 0, overflow: { kind: 'announcement', media: 'sound:goodbye' },
};
const flush = () => new Promise((r) => setTimeout(r, 20));

describe('logs', () => {
  it('given a call then each of its log lines carries the call, client and receptionist ids, and never the caller name', async () => {
    const { lines, stream } = captured();
    const root = createLogger('info', stream);
    const directory = new MemoryDirectory();
    directory.clients.set('acme', acme);
    directory.numbers.set('5035550100', 'acme');
    directory.people.set('rx1', { id: 'rx1', name: 'Sam', endpoint: 'PJSIP/rx1', groupId: 'g', wrapUpSeconds: 0, ringTimeoutSeconds: 15, maxMissedOffers: 2 });
    const service = new CallService({
      app: 'switchboard', pbx: new RecordingPbx(), directory, liveState: new MemoryLiveState(), callLog: new MemoryCallLog(),
      notifier: new NoticeHub(), timers: { start() {}, cancel() {}, cancelAll() {} }, clock: { now: () => 1_000 },
      logger: moduleLogger(root, 'calls', new Map()), defaultClient: { ...acme, id: 'default' },
    });
    await service.onPbxConnected();
    await service.setPresence('rx1', { kind: 'available' });
    service.onAriEvent({
      type: 'StasisStart', args: ['inbound', '5035550100'], application: 'switchboard', timestamp: '2026-11-22T10:22:51.273+0000',
      channel: { id: 'c-1', name: 'PJSIP/trunk-1', state: 'Ring', caller: { name: 'Pat Secretname', number: '5035551234' }, connected: { name: '', number: '' }, dialplan: { context: 'from-trunk', exten: '5035550100', priority: 2, app_name: 'Stasis', app_data: 'switchboard,inbound,5035550100' }, creationtime: '2026-11-22T10:22:51.272+0000', language: 'en' },
    } as never);
    await flush();

    const callLines = lines.filter((l) => l.callId === 'c-1');
    expect(callLines.map((l) => l.msg)).toEqual(['call arrived', 'call offered']);
    for (const l of callLines) expect(l).toMatchObject({ module: 'calls', clientId: 'acme' });
    expect(callLines[1]).toMatchObject({ receptionistId: 'rx1' });
    expect(JSON.stringify(lines)).not.toContain('Secretname');
  });

  it('given LOG_LEVELS then each module logs at its own level, and secrets in logged objects are redacted', () => {
    const config = loadConfig({ LOG_LEVELS: 'calls=warn,ari=debug', ASTERISK_ARI_PASSWORD: 'hunter2-very-secret' });
    const levels = parseModuleLevels(config.LOG_LEVELS);
    const { lines, stream } = captured();
    const root = createLogger('info', stream);
    moduleLogger(root, 'calls', levels).info('calls info: hidden');
    moduleLogger(root, 'calls', levels).warn('calls warn: shown');
    moduleLogger(root, 'ari', levels).debug('ari debug: shown');
    moduleLogger(root, 'http', levels).debug('http debug: hidden');
    root.info({ config }, 'config loaded');
    expect(lines.map((l) => l.msg)).toEqual(['calls warn: shown', 'ari debug: shown', 'config loaded']);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(() => loadConfig({ LOG_LEVELS: 'calls=loud' })).toThrow(/LOG_LEVELS/);
  });
});

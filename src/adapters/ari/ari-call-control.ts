import type { CallControl, OriginateRequest, PbxBridge, PbxChannel, PbxEndpoint } from '../../ports/call-control';
import { PbxError } from '../../ports/call-control';
import { AriError, type AriConnection } from './ari-connection';

interface AriChannelJson {
  id: string;
  name: string;
  state: string;
  caller?: { name?: string; number?: string };
  dialplan?: { app_name?: string; app_data?: string };
  creationtime?: string;
}

/** Asterisk's timestamps look like 2026-11-22T10:22:51.273+0000. */
export function parseAsteriskTime(text: string | undefined): number {
  if (!text) return Date.now();
  const t = Date.parse(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isFinite(t) ? t : Date.now();
}

/** Caller ID as Asterisk's originate takes it: no quotes, brackets or control characters. */
export function formatCallerId(name: string, number: string): string {
  const safeName = name.replace(/[\u0000-\u001f\u007f"<>\\]/g, '').slice(0, 64).trim();
  const safeNumber = number.replace(/[^0-9+*#]/g, '').slice(0, 32);
  return safeName ? `"${safeName}" <${safeNumber}>` : `<${safeNumber}>`;
}

export function toPbxChannel(c: AriChannelJson): PbxChannel {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    callerName: c.caller?.name ?? '',
    callerNumber: c.caller?.number ?? '',
    appName: c.dialplan?.app_name ?? '',
    appData: c.dialplan?.app_data ?? '',
    createdAt: parseAsteriskTime(c.creationtime),
  };
}

/** CallControl over ARI REST. Errors become PbxError so callers never see transport details. */
export class AriCallControl implements CallControl {
  constructor(
    private readonly ari: AriConnection,
    private readonly app: string,
  ) {}

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AriError) throw new PbxError(err.message, err.status);
      throw err;
    }
  }

  originate(req: OriginateRequest): Promise<void> {
    return this.call(async () => {
      await this.ari.request('POST', `/channels/${encodeURIComponent(req.channelId)}`, {
        endpoint: req.endpoint,
        app: this.app,
        appArgs: req.appArgs,
        callerId: formatCallerId(req.callerName, req.callerNumber),
        timeout: req.timeoutSeconds,
        originator: req.originator,
      });
    });
  }

  answer(channelId: string): Promise<void> {
    return this.call(async () => void (await this.ari.request('POST', `/channels/${encodeURIComponent(channelId)}/answer`)));
  }

  ring(channelId: string): Promise<void> {
    return this.call(async () => void (await this.ari.request('POST', `/channels/${encodeURIComponent(channelId)}/ring`)));
  }

  hangup(channelId: string, reason: 'normal' | 'busy' | 'congestion' = 'normal'): Promise<void> {
    return this.call(async () => void (await this.ari.request('DELETE', `/channels/${encodeURIComponent(channelId)}`, { reason })));
  }

  createBridge(bridgeId: string): Promise<void> {
    return this.call(async () => {
      // dtmf_events: a plain mixing bridge swallows the receptionist's feature-code digits.
      await this.ari.request('POST', `/bridges/${encodeURIComponent(bridgeId)}`, { type: 'mixing,dtmf_events', name: bridgeId });
    });
  }

  destroyBridge(bridgeId: string): Promise<void> {
    return this.call(async () => void (await this.ari.request('DELETE', `/bridges/${encodeURIComponent(bridgeId)}`)));
  }

  addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.call(
      async () => void (await this.ari.request('POST', `/bridges/${encodeURIComponent(bridgeId)}/addChannel`, { channel: channelIds.join(',') })),
    );
  }

  removeFromBridge(bridgeId: string, channelId: string): Promise<void> {
    return this.call(
      async () => void (await this.ari.request('POST', `/bridges/${encodeURIComponent(bridgeId)}/removeChannel`, { channel: channelId })),
    );
  }

  startBridgeMoh(bridgeId: string, mohClass: string): Promise<void> {
    return this.call(async () => void (await this.ari.request('POST', `/bridges/${encodeURIComponent(bridgeId)}/moh`, { mohClass })));
  }

  stopBridgeMoh(bridgeId: string): Promise<void> {
    return this.call(async () => void (await this.ari.request('DELETE', `/bridges/${encodeURIComponent(bridgeId)}/moh`)));
  }

  startChannelMoh(channelId: string, mohClass: string): Promise<void> {
    return this.call(async () => void (await this.ari.request('POST', `/channels/${encodeURIComponent(channelId)}/moh`, { mohClass })));
  }

  stopChannelMoh(channelId: string): Promise<void> {
    return this.call(async () => void (await this.ari.request('DELETE', `/channels/${encodeURIComponent(channelId)}/moh`)));
  }

  play(channelId: string, media: string[], playbackId: string): Promise<void> {
    return this.call(
      async () =>
        void (await this.ari.request('POST', `/channels/${encodeURIComponent(channelId)}/play/${encodeURIComponent(playbackId)}`, {
          media: media.join(','),
        })),
    );
  }

  record(channelId: string, name: string, opts: { maxSeconds: number }): Promise<void> {
    return this.call(async () => {
      await this.ari.request('POST', `/channels/${encodeURIComponent(channelId)}/record`, {
        name,
        format: 'wav',
        maxDurationSeconds: opts.maxSeconds,
        maxSilenceSeconds: 10,
        ifExists: 'overwrite',
        beep: true,
        terminateOn: '#',
      });
    });
  }

  channels(): Promise<PbxChannel[]> {
    return this.call(async () => ((await this.ari.request<AriChannelJson[]>('GET', '/channels')) ?? []).map(toPbxChannel));
  }

  bridges(): Promise<PbxBridge[]> {
    return this.call(async () =>
      ((await this.ari.request<Array<{ id: string; channels: string[] }>>('GET', '/bridges')) ?? []).map((b) => ({
        id: b.id,
        channelIds: b.channels ?? [],
      })),
    );
  }

  endpoints(): Promise<PbxEndpoint[]> {
    return this.call(async () =>
      ((await this.ari.request<Array<{ technology: string; resource: string; state?: string }>>('GET', '/endpoints')) ?? []).map((e) => ({
        resource: `${e.technology}/${e.resource}`,
        online: e.state !== 'offline',
      })),
    );
  }

  subscribe(eventSource: string): Promise<void> {
    return this.call(
      async () => void (await this.ari.request('POST', `/applications/${encodeURIComponent(this.app)}/subscription`, { eventSource })),
    );
  }
}

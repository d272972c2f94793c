/** The PBX operations Switchboard uses (ARI). Every method rejects with a PbxError on failure. */

export interface PbxChannel {
  id: string;
  name: string;
  state: string;
  callerName: string;
  callerNumber: string;
  /** dialplan app_data, e.g. "switchboard,inbound,5035550100" while in Stasis. */
  appData: string;
  appName: string;
  createdAt: number;
}

export interface PbxBridge {
  id: string;
  channelIds: string[];
}

export interface PbxEndpoint {
  /** e.g. PJSIP/rx1 */
  resource: string;
  online: boolean;
}

export interface OriginateRequest {
  channelId: string;
  endpoint: string;
  appArgs: string;
  callerName: string;
  callerNumber: string;
  timeoutSeconds: number;
  originator?: string;
}

export interface CallControl {
  originate(req: OriginateRequest): Promise<void>;
  answer(channelId: string): Promise<void>;
  ring(channelId: string): Promise<void>;
  hangup(channelId: string, reason?: 'normal' | 'busy' | 'congestion'): Promise<void>;
  createBridge(bridgeId: string): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  removeFromBridge(bridgeId: string, channelId: string): Promise<void>;
  startBridgeMoh(bridgeId: string, mohClass: string): Promise<void>;
  stopBridgeMoh(bridgeId: string): Promise<void>;
  /** Music on hold on one channel (a caller held by the receptionist, out of the bridge). */
  startChannelMoh(channelId: string, mohClass: string): Promise<void>;
  stopChannelMoh(channelId: string): Promise<void>;
  play(channelId: string, media: string[], playbackId: string): Promise<void>;
  record(channelId: string, name: string, opts: { maxSeconds: number }): Promise<void>;
  channels(): Promise<PbxChannel[]>;
  bridges(): Promise<PbxBridge[]>;
  endpoints(): Promise<PbxEndpoint[]>;
  subscribe(eventSource: string): Promise<void>;
}

/** `notFound` lets callers treat "already gone" as done. */
export class PbxError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'PbxError';
  }
  get notFound(): boolean {
    return this.status === 404;
  }
}

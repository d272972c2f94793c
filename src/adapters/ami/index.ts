/** AMI (Asterisk Manager Interface): the client and the small services built on it. */
export { AmiConnection, AmiError, createAmiClient, type AmiClientOptions, type AmiErrorCode, type AmiListResult, type AmiSession } from './ami-client';
export type { AmiActionFields, AmiEvent, AmiMessage, DeviceState } from './ami-protocol';
export { AmiPhoneReachability } from './phone-reachability';
export { AmiPbxAdmin, DEFAULT_FALLBACK_QUEUE, FALLBACK_PAUSE_REASON } from './ami-pbx-admin';

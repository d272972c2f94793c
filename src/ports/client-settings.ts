import type { AfterHoursPolicy } from '../domain/after-hours';
import type { Closure, OpeningInterval } from '../domain/business-hours';
import type { PostedStatus, StatusInstruction } from '../domain/client-settings';
import type { AllowRule, ClientContact } from '../domain/destinations';

/** A client's posted status as the portal and the consoles show it (times ISO 8601). */
export interface ClientStatusView {
  text: string;
  instruction: StatusInstruction;
  startsAt: string | null;
  endsAt: string | null;
  postedAt: string;
  /** The instant asked about is within [startsAt, endsAt). */
  active: boolean;
}

/** Everything the portal shows and edits about one client (GET /api/clients/:clientId/settings). */
export interface ClientSettings {
  client: { id: string; name: string; greeting: string; timeZone: string };
  /** The stored status (even when its window has passed: `active` says), or null. */
  status: ClientStatusView | null;
  contacts: ClientContact[];
  /** Sorted by weekday then opening; times `HH:MM`, `closes` may be `24:00`. */
  hours: OpeningInterval[];
  closures: Closure[];
  afterHours: AfterHoursPolicy;
}

/**
 * The portal's reads and writes of a client's own settings (PostgreSQL). Every write answers
 * false when there is no such client; replacing lists happens in one transaction.
 */
export interface ClientSettingsStore {
  /** Ids and names, sorted by name; `onlyClientId`: that client alone. */
  listClients(onlyClientId: string | null): Promise<Array<{ id: string; name: string }>>;
  settings(clientId: string, atMs: number): Promise<ClientSettings | null>;
  /** The client's allow-list (the toll-fraud check of contacts and the after-hours forward). */
  transferAllow(clientId: string): Promise<AllowRule[]>;
  /** Also tells every call server's directory cache (the greeting is read on the call path). */
  setGreeting(clientId: string, greeting: string): Promise<boolean>;
  setStatus(clientId: string, status: PostedStatus, posted: { atMs: number; by: string }): Promise<boolean>;
  clearStatus(clientId: string): Promise<boolean>;
  upsertContact(clientId: string, contact: ClientContact): Promise<boolean>;
  /** 'no-such-contact' when the client has no contact with that code. */
  deleteContact(clientId: string, code: string): Promise<boolean | 'no-such-contact'>;
  replaceHours(clientId: string, timeZone: string, hours: OpeningInterval[]): Promise<boolean>;
  replaceClosures(clientId: string, closures: Closure[]): Promise<boolean>;
  /** `forwardAllowed` absent: unchanged. */
  setAfterHours(clientId: string, policy: Omit<AfterHoursPolicy, 'forwardAllowed'> & { forwardAllowed?: boolean }): Promise<boolean>;
  /** The client's status unless its window has ended at `atMs` (a scheduled one too: see `active`). */
  currentStatus(clientId: string, atMs: number): Promise<ClientStatusView | null>;
  /** Several clients at once (the live console feed); every id asked for is a key. */
  currentStatuses(clientIds: string[], atMs: number): Promise<Map<string, ClientStatusView | null>>;
}

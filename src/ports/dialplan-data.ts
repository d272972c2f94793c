import type { AfterHoursPolicy } from '../domain/after-hours';
import type { BusinessSchedule, ClientStatus } from '../domain/business-hours';
import type { CallerListEntry } from '../domain/caller-screening';

/** Everything the dialplan lookups need to know about one client. */
export interface DialplanClient {
  id: string;
  name: string;
  /** Hours and time zone; `closures` holds at least those within two days of the instant asked about. */
  schedule: BusinessSchedule;
  status: ClientStatus | null;
  /** The client's mailbox (`box` or `box@context`), or null: use the company-wide default. */
  voicemailBox: string | null;
  afterHours: AfterHoursPolicy;
}

/** Read side of the FastAGI lookups (PostgreSQL). One query per call; each lookup is on a live call. */
export interface DialplanData {
  /** The client that owns a dialled number (any common format), with closures around `atMs`; or null. */
  clientForNumber(dialled: string, atMs: number): Promise<DialplanClient | null>;
  /** Caller-list entries for a caller number: the client's own and the company-wide ones. */
  callerListEntries(callerNumber: string, clientId: string | null): Promise<CallerListEntry[]>;
}

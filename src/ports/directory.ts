import type { AllowRule, ClientContact, ClientTransferRules } from '../domain/destinations';
import type { ClientProfile, ReceptionistProfile } from '../domain/model';

/** Who the clients and receptionists are (PostgreSQL). Read on the call path: keep it fast. */
export interface Directory {
  /** The client that owns a dialled number (E.164 digits as they arrive), or null. */
  clientForNumber(did: string): Promise<ClientProfile | null>;
  client(id: string): Promise<ClientProfile | null>;
  receptionists(): Promise<ReceptionistProfile[]>;
  receptionist(id: string): Promise<ReceptionistProfile | null>;
  /** Where a receptionist may transfer this client's callers: its contacts and allow-list. */
  transferRules(clientId: string): Promise<ClientTransferRules>;
}

export interface ClientRecord extends ClientProfile {
  /** Dialled numbers (DIDs) routed to this client. */
  numbers: string[];
}

/** Writes used by seeding, tests and (later) the admin API. */
export interface DirectoryAdmin {
  upsertClient(client: ClientRecord): Promise<void>;
  upsertReceptionist(profile: ReceptionistProfile): Promise<void>;
  listClients(): Promise<ClientRecord[]>;
  /** A client's contact, by its code (replaced if it exists). */
  upsertContact(clientId: string, contact: ClientContact): Promise<void>;
  /** A client's allow-list entry, by its pattern (replaced if it exists). */
  upsertAllowRule(clientId: string, rule: AllowRule): Promise<void>;
}

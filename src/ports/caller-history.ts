/** What we know of a caller's earlier calls to one client (PostgreSQL `calls`). */
export interface CallerHistory {
  /** Calls from this number to this client that arrived before `beforeMs`. */
  previousCalls(clientId: string, callerNumber: string, beforeMs: number): Promise<PreviousCalls>;
}

export interface PreviousCalls {
  count: number;
  /** The latest one's arrival and outcome; null with none. */
  last: { at: number; outcome: string | null } | null;
}

import { callerNote, type CallerNote } from '../domain/caller-notes';
import type { CallerHistory } from '../ports/caller-history';
import type { DialplanData } from '../ports/dialplan-data';

/** Notes about a caller: the caller lists (the FastAGI lookups' own) and earlier calls to the client. */
export class CallerNotes {
  constructor(
    private readonly lists: Pick<DialplanData, 'callerListEntries'>,
    private readonly history: CallerHistory,
  ) {}

  async noteFor(call: { clientId: string; callerNumber: string; arrivedAt: number }): Promise<CallerNote> {
    const [entries, previous] = await Promise.all([
      this.lists.callerListEntries(call.callerNumber, call.clientId),
      this.history.previousCalls(call.clientId, call.callerNumber, call.arrivedAt),
    ]);
    return callerNote(call.callerNumber, call.clientId, entries, previous);
  }
}

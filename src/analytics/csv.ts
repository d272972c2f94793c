import type { ClientBill } from './billing';
import { deriveFigures, FIGURE_FIELDS, type IntervalFigures } from './intervals';

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, with quotes doubled.
 * A text field starting with = + - @ (or a tab/CR) gets a leading apostrophe so a spreadsheet
 * does not run it as a formula (caller names and reasons are outside input).
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV with a header line; lines end with CRLF as RFC 4180 says. */
export function toCsv<T>(columns: ReadonlyArray<{ header: string; value: (row: T) => unknown }>, rows: Iterable<T>): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return lines.join('\r\n') + '\r\n';
}

const iso = (ms: number) => new Date(ms).toISOString();
const round = (n: number | null, digits: number) => (n === null ? null : Number(n.toFixed(digits)));

/** Interval figures as JSON-ready objects: the stored figures plus the derived ones. */
export function intervalsJson(rows: readonly IntervalFigures[]): Array<Record<string, unknown>> {
  return rows.map((r) => {
    const d = deriveFigures(r);
    return {
      ...r,
      intervalStart: iso(r.intervalStart),
      asaMs: round(d.asaMs, 0),
      serviceLevel: round(d.serviceLevel, 4),
      abandonRate: round(d.abandonRate, 4),
      handleMs: d.handleMs,
      ahtMs: round(d.ahtMs, 0),
      occupancy: round(d.occupancy, 4),
      utilisation: round(d.utilisation, 4),
    };
  });
}

export function intervalsCsv(rows: readonly IntervalFigures[]): string {
  const json = intervalsJson(rows);
  const fields = [...FIGURE_FIELDS, 'asaMs', 'serviceLevel', 'abandonRate', 'handleMs', 'ahtMs', 'occupancy', 'utilisation'];
  return toCsv(fields.map((f) => ({ header: f, value: (r: Record<string, unknown>) => r[f] })), json);
}

export function billJson(bill: ClientBill): Record<string, unknown> {
  return {
    ...bill,
    from: iso(bill.from),
    to: iso(bill.to),
    calls: bill.calls.map((c) => ({ ...c, arrivedAt: iso(c.arrivedAt) })),
  };
}

/** One line per call (excluded calls too, with the reason), for the invoice's detail. */
export function billCsv(bill: ClientBill): string {
  return toCsv(
    [
      { header: 'clientId', value: () => bill.clientId },
      { header: 'callId', value: (c) => c.callId },
      { header: 'arrivedAt', value: (c) => iso(c.arrivedAt) },
      { header: 'receptionistId', value: (c) => c.receptionistId },
      { header: 'talkMs', value: (c) => c.talkMs },
      { header: 'holdMs', value: (c) => c.holdMs },
      { header: 'wrapUpMs', value: (c) => c.wrapUpMs },
      { header: 'afterTransferMs', value: (c) => c.afterTransferMs },
      { header: 'countedMs', value: (c) => c.countedMs },
      { header: 'billableSeconds', value: (c) => c.billableSeconds },
      { header: 'excluded', value: (c) => c.excluded },
    ],
    bill.calls,
  );
}

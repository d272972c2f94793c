/** A plain text table: a header row, then aligned columns; empty lists say so. */
export function formatTable(columns: string[], rows: Array<Array<string | number | null | undefined>>, empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const text = rows.map((r) => r.map((v) => (v === null || v === undefined ? '-' : String(v))));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(columns.map((c) => c.toUpperCase())), ...text.map(line)].join('\n');
}

/** 75 s -> "1m15s"; 3 s -> "3s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

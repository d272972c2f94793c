import { describe, expect, it } from 'vitest';
import { csvField, emptyFigures, intervalsCsv, intervalsJson, toCsv } from '../../src/analytics';

describe('CSV', () => {
  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    expect([csvField('plain'), csvField('a,b'), csvField('say "hi"'), csvField('two\nlines'), csvField(null), csvField(12.5)]).toEqual([
      'plain', '"a,b"', '"say ""hi"""', '"two\nlines"', '', '12.5',
    ]);
  });

  it('defuses spreadsheet formulas in text fields but not negative numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-3)).toBe('-3');
  });

  it('writes a header and CRLF line ends', () => {
    expect(toCsv([{ header: 'id', value: (r: { id: string }) => r.id }], [{ id: 'x' }])).toBe('id\r\nx\r\n');
  });

  it('given interval rows then CSV and JSON carry stored and derived figures, with empty ratios for nothing', () => {
    const row = { ...emptyFigures(Date.UTC(2026, 10, 23, 10), 'client:acme', 20), offered: 2, answered: 1, answeredWithinThreshold: 1, answeredWaitMs: 4000 };
    const [header, line] = intervalsCsv([row]).split('\r\n');
    const cells = Object.fromEntries(header.split(',').map((h, i) => [h, line.split(',')[i]]));
    expect(cells).toMatchObject({ intervalStart: '2026-11-23T10:00:00.000Z', scope: 'client:acme', offered: '2', asaMs: '4000', serviceLevel: '0.5', occupancy: '' });
    expect(intervalsJson([row])[0]).toMatchObject({ intervalStart: '2026-11-23T10:00:00.000Z', asaMs: 4000, serviceLevel: 0.5, occupancy: null });
  });
});

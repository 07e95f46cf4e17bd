// isoInstant must write exactly what Date.prototype.toISOString writes (V8's, the reference
// nobody here wrote): over the whole range it formats itself, at the edges of every unit, and
// by falling back outside that range, throwing where toISOString throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daysInMonth, isCalendarDay, isoInstant } from '../src/time.js';

const FIRST_MS = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');

describe('isoInstant', () => {
  it('equals toISOString for any instant from year 0 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_MS, max: LAST_MS }), (t) => {
        const date = new Date(t);
        expect(isoInstant(date)).toBe(date.toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('equals toISOString at the edges: range ends, leap days, century rules, month and day ends, 1970', () => {
    const texts = [
      '0000-01-01T00:00:00.000Z',
      '0000-02-29T12:00:00.000Z', // year 0 is a leap year (divisible by 400)
      '0001-01-01T00:00:00.000Z',
      '0099-12-31T23:59:59.999Z',
      '0999-03-01T00:00:00.001Z',
      '1582-10-15T00:00:00.000Z',
      '1899-12-31T23:59:59.999Z',
      '1900-02-28T23:59:59.999Z', // 1900 is not a leap year
      '1900-03-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '2000-02-29T00:00:00.010Z', // 2000 is
      '2021-08-01T00:00:00.000Z',
      '2024-02-29T23:59:59.100Z',
      '2100-02-28T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
    ];
    for (const text of texts) expect(isoInstant(new Date(text))).toBe(text);
    for (let t = Date.parse('1999-12-31T00:00:00Z'); t < Date.parse('2001-01-02T00:00:00Z'); t += 3_600_000 + 1_001) {
      expect(isoInstant(new Date(t))).toBe(new Date(t).toISOString());
    }
  });

  it('falls back to toISOString outside that range, and throws where it throws', () => {
    for (const t of [FIRST_MS - 1, LAST_MS + 1, -8.64e15, 8.64e15]) expect(isoInstant(new Date(t))).toBe(new Date(t).toISOString());
    expect(isoInstant(new Date(FIRST_MS - 1))).toBe('-000001-12-31T23:59:59.999Z');
    expect(() => isoInstant(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('daysInMonth / isCalendarDay', () => {
  it('agree with the day before the first of the next month, as Date.UTC counts it, for 1600–2400', () => {
    for (let year = 1600; year <= 2400; year++) {
      for (let month = 1; month <= 12; month++) {
        expect(daysInMonth(year, month)).toBe(new Date(Date.UTC(year, month, 0)).getUTCDate());
      }
    }
    expect([daysInMonth(2021, 0), daysInMonth(2021, 13), daysInMonth(2021, Number.NaN)]).toEqual([0, 0, 0]);
    expect([isCalendarDay(2024, 2, 29), isCalendarDay(2023, 2, 29), isCalendarDay(2023, 4, 0), isCalendarDay(2023, 4, 30), isCalendarDay(2023, 4, 31)]).toEqual([true, false, false, true, false]);
  });
});

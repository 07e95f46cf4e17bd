// Instants as the report writes them. `Date.prototype.toISOString` took about 1.2–1.5 µs a call
// on the 2-core box (measured), and a verification writes three or four (checkedAt, issuedAt,
// expiresAt, the decision's validUntil) plus the audit record's: a tenth of an HC1's
// non-signature cost (issue 12 item 1). The same text is built here from the time value with
// integer arithmetic; test/time.test.ts holds it equal to toISOString over the whole range it
// handles, and every other instant (before year 0, after 9999, or invalid) goes to toISOString.

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years toISOString writes with four digits and no sign. */
const FIRST_MS = -62_167_219_200_000;
const LAST_MS = 253_402_300_799_999;

/** "00" … "99". */
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** The `YYYY-MM-DDTHH:mm:ss.sssZ` form of `date`, exactly as `date.toISOString()` writes it. */
export function isoInstant(date: Date): string {
  const t = date.getTime();
  if (!(t >= FIRST_MS && t <= LAST_MS)) return date.toISOString(); // also throws on an invalid date, as it does
  const days = Math.floor(t / DAY_MS);
  let rest = t - days * DAY_MS;
  // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date
  // Algorithms", days_from_civil's inverse): eras of 400 years starting on 0000-03-01.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1_000);
  const ms = rest - seconds * 1_000;
  const yyyy = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  const sss = ms >= 100 ? String(ms) : ms >= 10 ? `0${ms}` : `00${ms}`;
  return `${yyyy}-${TWO[month]}-${TWO[day]}T${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${sss}Z`;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days in `month` (1–12) of `year` in the proleptic Gregorian calendar (RFC 3339 §5.7 and
 * appendix C), 0 for a month that does not exist: Date.parse and Date.UTC roll `02-30` over to
 * 2 March, so every date read from outside is held to this first.
 */
export function daysInMonth(year: number, month: number): number {
  if (!(month >= 1 && month <= 12)) return 0;
  if (month !== 2) return MONTH_DAYS[month - 1]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** Whether year-month-day names a day that exists (month 1–12, day within its month). */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  return day >= 1 && day <= daysInMonth(year, month);
}

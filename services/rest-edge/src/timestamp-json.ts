const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * A google.protobuf.Timestamp as proto3 JSON (RFC 3339, `Z`, 0/3/6/9
 * fractional digits), exactly as @bufbuild/protobuf's toJson writes it, for
 * `seconds` within 0001..9999 and `nanos` in 0..999,999,999 (the caller
 * checks). Civil date from days since the epoch (H. Hinnant's algorithm)
 * instead of `new Date().toISOString().replace()`: ~8x faster, and a page of
 * ListMessages carries 200 of them.
 */
export function formatTimestamp(seconds: number, nanos: number): string {
  const days = Math.floor(seconds / 86_400);
  const secondOfDay = seconds - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  let fraction = 'Z';
  if (nanos > 0) {
    if (nanos % 1_000_000 === 0) fraction = `.${String(nanos / 1_000_000 + 1_000).slice(1)}Z`;
    else if (nanos % 1_000 === 0) fraction = `.${String(nanos / 1_000 + 1_000_000).slice(1)}Z`;
    else fraction = `.${String(nanos + 1_000_000_000).slice(1)}Z`;
  }
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor(secondOfDay / 60) % 60;
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(secondOfDay % 60)}${fraction}`;
}

// When things happened, as a reader wants it: the day once, above that day's messages, and the
// time alone on each; the full timestamp on hover. Days are the reader's local days.

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
const fullDayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full' });
const dayThisYear = new Intl.DateTimeFormat(undefined, {
  weekday: 'long', day: 'numeric', month: 'long',
});
const dayOtherYear = new Intl.DateTimeFormat(undefined, {
  day: 'numeric', month: 'long', year: 'numeric',
});

// A day's name for comparisons, e.g. "2025-2-10" (a key, never shown).
export function dayKey(ts) {
  const when = new Date(ts);
  return `${when.getFullYear()}-${when.getMonth() + 1}-${when.getDate()}`;
}

function daysAgo(count) {
  const when = new Date();
  when.setDate(when.getDate() - count);
  return when;
}

// "Today", "Yesterday", "Thursday 12 March", or "10 February 2025" in another year.
export function dayLabel(ts) {
  const key = dayKey(ts);
  if (key === dayKey(daysAgo(0))) return 'Today';
  if (key === dayKey(daysAgo(1))) return 'Yesterday';
  const when = new Date(ts);
  const format = when.getFullYear() === new Date().getFullYear() ? dayThisYear : dayOtherYear;
  return format.format(when);
}

export function clockTime(ts) {
  return clockFormat.format(new Date(ts));
}

export function fullTime(ts) {
  return fullFormat.format(new Date(ts));
}

export function fullDay(ts) {
  return fullDayFormat.format(new Date(ts));
}

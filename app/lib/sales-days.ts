/** Days between the first and the last sale, zeros included, so a chart's gaps are real; the most recent `maxDays`. */
export function fillDays(days: { day: string; tickets: number }[], maxDays: number) {
  if (days.length === 0) return [];
  const counts = new Map(days.map(({ day, tickets }) => [day, tickets]));
  const last = Date.parse(`${days[days.length - 1]!.day}T00:00:00Z`);
  const first = Math.max(Date.parse(`${days[0]!.day}T00:00:00Z`), last - (maxDays - 1) * 86_400_000);
  const filled: { day: string; tickets: number }[] = [];
  for (let at = first; at <= last; at += 86_400_000) {
    const day = new Date(at).toISOString().slice(0, 10);
    filled.push({ day, tickets: counts.get(day) ?? 0 });
  }
  return filled;
}

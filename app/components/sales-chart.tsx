import { counted } from "~/lib/plural";

type Day = { day: string; tickets: number };

function dayLabel(day: string, locale: string) {
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

const WIDTH = 600;
const HEIGHT = 160;
/** A bar is at most this wide (in chart units): one or two days of sales are bars, not blocks filling the chart. */
const BAR_MAX = 36;

/**
 * Tickets sold per day as an inline SVG bar chart, with the same numbers in a table for screen
 * readers and for anyone who prefers numbers (no chart library needed).
 */
export function SalesChart({ days, locale }: { days: Day[]; locale: string }) {
  if (days.length === 0) {
    return <p className="text-sm text-slate-600">No tickets sold yet. Sales appear here the moment they happen.</p>;
  }
  const peak = Math.max(1, ...days.map((d) => d.tickets));
  const total = days.reduce((sum, d) => sum + d.tickets, 0);
  const slot = WIDTH / days.length;
  const barWidth = Math.min(BAR_MAX, Math.max(1, slot * 0.8));
  const first = dayLabel(days[0]!.day, locale);
  const last = dayLabel(days[days.length - 1]!.day, locale);
  const summary = `${counted(total, "ticket")} sold between ${first} and ${last}; at most ${peak} in one day.`;
  return (
    <figure>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" className="h-40 w-full" role="img" aria-label={`Tickets sold per day. ${summary}`}>
        <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} className="stroke-slate-300" strokeWidth="1" />
        {days.map((d, index) => {
          const height = (d.tickets / peak) * (HEIGHT - 8);
          return (
            <rect key={d.day} data-testid="sales-bar" x={index * slot + (slot - barWidth) / 2} y={HEIGHT - height} width={barWidth} height={height} className="fill-brand-500">
              <title>{`${dayLabel(d.day, locale)}: ${d.tickets}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="mt-1 flex justify-between text-xs text-slate-600">
        <span>{first}</span>
        <span>peak {peak} a day</span>
        <span>{last}</span>
      </figcaption>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer font-medium text-brand-700">Sales per day as a table</summary>
        <table className="mt-2 w-full max-w-sm text-left">
          <caption className="sr-only">Tickets sold per day</caption>
          <thead>
            <tr>
              <th scope="col" className="py-1">Day</th>
              <th scope="col" className="py-1 text-right">Tickets sold</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day} className="border-t border-slate-100">
                <td className="py-1">
                  <time dateTime={d.day}>{dayLabel(d.day, locale)}</time>
                </td>
                <td className="py-1 text-right tabular-nums">{d.tickets}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

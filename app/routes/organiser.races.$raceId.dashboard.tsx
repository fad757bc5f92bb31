import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { SalesChart } from "~/components/sales-chart";
import { Card, TableScroll } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useLiveSnapshot } from "~/components/use-live-snapshot";
import type { LinkStatus } from "~/components/live-feed";
import { raceStats } from "~/presenters/race-stats.server";
import { requireRaceRole } from "~/web/access.server";
import { viewerLocale } from "~/web/locale.server";
import { formatMoney } from "~/lib/money";
import { counted } from "~/lib/plural";

export const meta: MetaFunction<typeof loader> = ({ data: page }) => [{ title: `Live dashboard · ${page?.raceName ?? "Race"} · Startline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  return { raceName: race.name, stats: await raceStats(race.id), locale: viewerLocale(request) };
}

const linkText: Partial<Record<LinkStatus, string>> = {
  connecting: "Connecting to live updates…",
  live: "Live: updates as tickets sell",
  reconnecting: "Reconnecting… numbers may be out of date",
  offline: "Offline: numbers may be out of date",
};

function Stat({ label, value, detail }: { label: string; value: ReactNode; detail?: string }) {
  return (
    <div className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="mt-1 text-2xl font-bold tabular-nums">{value}</dd>
      {detail ? <dd className="text-xs text-slate-600">{detail}</dd> : null}
    </div>
  );
}

export default function RaceDashboard() {
  const initial = useLoaderData<typeof loader>();
  const { value: stats, status, refresh } = useLiveSnapshot(`/organiser/races/${initial.stats.raceId}/dashboard/live`, initial.stats);
  const number = (value: number) => value.toLocaleString(initial.locale);
  const { totals } = stats;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-xl font-semibold">Live dashboard</h2>
        <LiveIndicator status={status} onRefresh={refresh} text={linkText} testId="dashboard-link-status" className="text-sm" />
      </div>
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-5">
        <Stat label="Tickets sold" value={number(totals.sold)} detail={`of ${counted(totals.capacity, "place", { shown: number(totals.capacity) })}`} />
        <Stat label="Revenue" value={formatMoney(stats.revenueMinor, stats.currency, initial.locale)} detail={`${counted(stats.paidOrders, "paid order", { shown: number(stats.paidOrders) })}, after refunds`} />
        <Stat label="Held in checkouts" value={number(totals.held)} detail="released if not paid in time" />
        <Stat label="Places remaining" value={number(totals.remaining)} />
        <Stat label="Checked in" value={number(totals.checkedIn)} detail={`of ${counted(totals.participants, "participant", { shown: number(totals.participants) })}`} />
      </dl>
      <Card>
        <h3 className="text-lg font-semibold">By ticket type</h3>
        {stats.ticketTypes.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600">This race has no ticket types yet. Add one under Ticket types to start selling.</p>
        ) : (
          <TableScroll label="Sales by ticket type" className="mt-3">
            <table className="w-full text-left text-sm">
              <thead>
                <tr className="text-slate-600">
                  <th scope="col" className="py-2 pr-3">Ticket type</th>
                  <th scope="col" className="py-2 pr-3 text-right">Sold</th>
                  <th scope="col" className="py-2 pr-3 text-right">Held</th>
                  <th scope="col" className="py-2 pr-3 text-right">Remaining</th>
                  <th scope="col" className="py-2 text-right">Capacity</th>
                </tr>
              </thead>
              <tbody>
                {stats.ticketTypes.map((type) => (
                  <tr key={type.id} className="border-t border-slate-100 tabular-nums">
                    <th scope="row" className="py-2 pr-3 font-medium">{type.name}</th>
                    <td className="py-2 pr-3 text-right">{number(type.sold)}</td>
                    <td className="py-2 pr-3 text-right">{number(type.held)}</td>
                    <td className="py-2 pr-3 text-right">{number(type.remaining)}</td>
                    <td className="py-2 text-right">{number(type.capacity)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </Card>
      <Card>
        <h3 className="text-lg font-semibold">Sales over time</h3>
        <p className="mb-3 text-xs text-slate-600">Tickets sold per day ({stats.timeZone} time).</p>
        <SalesChart days={stats.salesByDay} locale={initial.locale} />
      </Card>
    </div>
  );
}

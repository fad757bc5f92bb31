import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Card, Pagination, TableScroll } from "~/components/ui";
import { raceAuditLog } from "~/presenters/audit.server";
import { requireRaceRole } from "~/web/access.server";
import { formatInZone } from "~/lib/time";
import { pageParam } from "~/validation/pagination";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const page = pageParam(request);
  return { page, timeZone: race.timeZone, ...(await raceAuditLog(race.id, page)) };
}

function describeChanges(changes: unknown) {
  if (!changes || typeof changes !== "object") return "";
  return Object.entries(changes as Record<string, unknown>)
    .map(([field, value]) => {
      if (value && typeof value === "object" && "from" in value && "to" in value) {
        const { from, to } = value as { from: unknown; to: unknown };
        return `${field}: ${JSON.stringify(from)} → ${JSON.stringify(to)}`;
      }
      return `${field}: ${JSON.stringify(value)}`;
    })
    .join("; ");
}

export default function AuditLogPage() {
  const { items, page, pageCount, timeZone } = useLoaderData<typeof loader>();
  return (
    <Card>
      <h2 className="text-xl font-semibold">Audit log</h2>
      <p className="text-sm text-slate-600">Every change organisers made to this race, newest first.</p>
      {items.length === 0 ? (
        <p className="mt-4">No changes recorded yet.</p>
      ) : (
        <TableScroll label="Audit log" className="mt-4">
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="border-b border-slate-200 text-slate-600">
                <th className="py-2 pr-3">When</th>
                <th className="py-2 pr-3">Who</th>
                <th className="py-2 pr-3">What</th>
                <th className="py-2">Changes</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id} className="border-b border-slate-100 align-top">
                  <td className="py-2 pr-3 whitespace-nowrap">{formatInZone(entry.createdAt, timeZone)}</td>
                  <td className="py-2 pr-3">{entry.actor?.name ?? "System"}</td>
                  <td className="py-2 pr-3 font-mono text-xs">{entry.action}</td>
                  <td className="max-w-md break-words py-2 text-xs">{describeChanges(entry.changes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?page=${p}`} />
    </Card>
  );
}

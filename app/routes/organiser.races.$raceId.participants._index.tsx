import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { SelectField } from "~/components/fields";
import { Badge, Button, Card, Field, Pagination, TableScroll } from "~/components/ui";
import { listParticipants, raceTicketTypes } from "~/presenters/participants.server";
import { requireRaceRole } from "~/web/access.server";
import { formatDateTime } from "~/lib/time";
import { pageParam } from "~/validation/pagination";
import { filterSearchParams, participantFilterFrom, participantStatusFilters } from "~/validation/participants";
import { counted } from "~/lib/plural";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Participants · ${data?.race.name ?? "Race"} · Startline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const filter = participantFilterFrom(new URL(request.url).searchParams);
  const page = pageParam(request);
  const [list, ticketTypes] = await Promise.all([listParticipants(race.id, filter, page), raceTicketTypes(race.id)]);
  return { race, filter, page, ticketTypes, ...list };
}

const ticketTone = { ISSUED: "good", HELD: "neutral", REFUNDED: "bad", CANCELLED: "bad" } as const;
const ticketLabel = { ISSUED: "Issued", HELD: "Checkout in progress", REFUNDED: "Refunded", CANCELLED: "Cancelled" } as const;

export default function ParticipantsPage() {
  const { race, filter, page, pageCount, total, items, ticketTypes } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const filtered = Boolean(filter.q || filter.ticketTypeId || filter.status);
  const base = `/organiser/races/${race.id}/participants`;
  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-bold">Participants</h2>
        <a className="font-medium text-brand-700 underline" href={`${base}.csv?${filterSearchParams(filter)}`} download>
          Download {filtered ? "these participants" : "all participants"} as CSV
        </a>
      </div>
      <Form method="get" role="search" aria-label="Search participants" className="mt-4 grid gap-3 sm:grid-cols-[2fr_1fr_1fr_auto] sm:items-end">
        <Field label="Search" id="participant-search" name="q" type="search" defaultValue={filter.q ?? ""} hint="Name, email or bib number" />
        <SelectField
          label="Ticket type"
          id="participant-ticket-type"
          name="ticketTypeId"
          defaultValue={filter.ticketTypeId ?? ""}
          options={[{ value: "", label: "All ticket types" }, ...ticketTypes.map((t) => ({ value: t.id, label: t.name }))]}
        />
        <SelectField
          label="Status"
          id="participant-status"
          name="status"
          defaultValue={filter.status ?? ""}
          options={[{ value: "", label: "Any status" }, ...Object.entries(participantStatusFilters).map(([value, label]) => ({ value, label }))]}
        />
        <Button type="submit" pending={navigation.state === "loading" && navigation.location.pathname === base} pendingLabel="Searching…">
          Search
        </Button>
      </Form>
      <p className="mt-4 text-sm text-slate-700" role="status">
        {counted(total, "participant")}
        {filtered ? " match" : ""}
        {filtered ? (
          <>
              {" · "}
              <Link to={base} className="text-brand-700 underline">
                Clear search and filters
              </Link>
          </>
        ) : null}
      </p>
      {items.length === 0 ? (
        <p className="mt-6 text-slate-700">
          {filtered
            ? "No participants match. Try part of a name or email, a bib number, or clear the filters."
            : "No participants yet. They appear here as soon as people register for this race."}
        </p>
      ) : (
        <>
          <ul className="mt-4 divide-y divide-slate-100 sm:hidden">
            {items.map((p) => (
              <li key={p.id} className="py-3">
                <div className="flex items-baseline justify-between gap-3">
                  <Link to={`${base}/${p.id}`} className="font-medium text-brand-700 underline">
                    {p.lastName}, {p.firstName}
                  </Link>
                  <span className="tabular-nums text-slate-700">{p.ticket.bib ? `Bib ${p.ticket.bib}` : "No bib"}</span>
                </div>
                <p className="mt-1 break-all text-sm text-slate-700">{p.email}</p>
                <p className="mt-1 flex flex-wrap items-center gap-1 text-sm">
                  <span>{p.ticket.ticketType.name}</span>
                  {p.teamName ? <span className="text-slate-600">· {p.teamName}</span> : null}
                  <Badge tone={ticketTone[p.ticket.status]}>{ticketLabel[p.ticket.status]}</Badge>
                  {p.checkedInAt ? <Badge tone="good">Checked in</Badge> : null}
                </p>
              </li>
            ))}
          </ul>
          <TableScroll label="Participants" className="-mx-6 mt-4 hidden sm:block">
            <table className="w-full min-w-[44rem] text-left text-sm">
              <thead className="border-b border-slate-200 text-slate-600">
                <tr>
                  <th scope="col" className="px-6 py-2 font-medium">Name</th>
                  <th scope="col" className="px-2 py-2 font-medium">Email</th>
                  <th scope="col" className="px-2 py-2 font-medium">Bib</th>
                  <th scope="col" className="px-2 py-2 font-medium">Ticket type</th>
                  <th scope="col" className="px-2 py-2 font-medium">Status</th>
                  <th scope="col" className="px-6 py-2 font-medium">Team</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {items.map((p) => (
                  <tr key={p.id}>
                    <td className="px-6 py-2">
                      <Link to={`${base}/${p.id}`} className="font-medium text-brand-700 underline">
                        {p.lastName}, {p.firstName}
                      </Link>
                    </td>
                    <td className="px-2 py-2">{p.email}</td>
                    <td className="px-2 py-2 tabular-nums">{p.ticket.bib ?? "—"}</td>
                    <td className="px-2 py-2">{p.ticket.ticketType.name}</td>
                    <td className="px-2 py-2">
                      <span className="flex flex-wrap gap-1">
                        <Badge tone={ticketTone[p.ticket.status]}>{ticketLabel[p.ticket.status]}</Badge>
                        {p.checkedInAt ? (
                          <Badge tone="good">
                            <span title={formatDateTime(p.checkedInAt, race.timeZone)}>Checked in</span>
                          </Badge>
                        ) : null}
                      </span>
                    </td>
                    <td className="px-6 py-2">{p.teamName ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?${filterSearchParams(filter, { page: String(p) })}`} />
    </Card>
  );
}

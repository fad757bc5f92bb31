import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Card, Pagination } from "~/components/ui";
import { upcomingRaces } from "~/services/races.server";
import { storage } from "~/utils/storage.server";
import { formatInZone } from "~/lib/time";
import { pageParam } from "~/validation/pagination";

export const meta: MetaFunction = () => [{ title: "Upcoming races · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const page = pageParam(request);
  const result = await upcomingRaces(page);
  return {
    page,
    ...result,
    items: result.items.map((race) => ({ ...race, coverUrl: race.coverImageKey ? storage().publicUrl(race.coverImageKey) : null })),
  };
}

export default function RacesPage() {
  const { items, page, pageCount } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1 className="text-3xl font-bold">Upcoming races</h1>
      {items.length === 0 ? (
        <p className="mt-6 text-slate-700">No races are open yet. Organisers: publish your race and it appears here.</p>
      ) : (
        <ul className="mt-6 grid gap-4 sm:grid-cols-2">
          {items.map((race) => (
            <li key={race.id}>
              <Card>
                {race.coverUrl ? <img src={race.coverUrl} alt="" className="mb-3 aspect-[3/1] w-full rounded-lg object-cover" /> : null}
                <Link to={`/races/${race.slug}`} className="text-lg font-semibold text-brand-700 underline">
                  {race.name}
                </Link>
                <p className="text-sm text-slate-700">{formatInZone(race.startsAt, race.timeZone)}</p>
                <p className="text-sm text-slate-600">
                  {race.location} · by {race.organisation.name}
                </p>
              </Card>
            </li>
          ))}
        </ul>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?page=${p}`} />
    </div>
  );
}

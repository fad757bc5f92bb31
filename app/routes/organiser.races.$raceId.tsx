import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData } from "@remix-run/react";
import { Badge } from "~/components/ui";
import { RaceNav } from "~/components/race-nav";
import { requireRaceRole } from "~/web/access.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race, role } = await requireRaceRole(request, params.raceId, "CHECKIN");
  return { race, role };
}

const statusTone = { DRAFT: "neutral", PUBLISHED: "good", CLOSED: "warn", CANCELLED: "bad" } as const;

/** Layout of every organiser page of one race: title, status and the section navigation. */
export default function RaceLayout() {
  const { race, role } = useLoaderData<typeof loader>();
  return (
    <div>
      <p className="text-sm">
        <Link to="/organiser" className="text-brand-700 underline">
          Your races
        </Link>
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold">{race.name}</h1>
        <Badge tone={statusTone[race.status]}>{race.status.toLowerCase()}</Badge>
        {race.status === "PUBLISHED" ? (
          <Link to={`/races/${race.slug}`} className="text-sm text-brand-700 underline">
            Public page
          </Link>
        ) : null}
      </div>
      <div className="mt-4">
        <RaceNav raceId={race.id} role={role} />
      </div>
      <Outlet />
    </div>
  );
}

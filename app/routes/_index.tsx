import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Card } from "~/components/ui";
import { formatInZone } from "~/lib/time";
import { upcomingRaces } from "~/presenters/races.server";
import { getUser } from "~/web/auth.server";

/** How many of the next races the home page shows; the rest are on /races. */
const NEXT_RACES = 3;

export async function loader({ request }: LoaderFunctionArgs) {
  const [user, races] = await Promise.all([getUser(request), upcomingRaces(1)]);
  return { name: user?.name ?? null, nextRaces: races.items.slice(0, NEXT_RACES).map(({ id, slug, name, startsAt, timeZone, location }) => ({ id, slug, name, startsAt, timeZone, location })) };
}

export default function Home() {
  const { name, nextRaces } = useLoaderData<typeof loader>();
  return (
    <div className="flex flex-col gap-8">
      <section className="py-6">
        <h1 className="text-4xl font-extrabold tracking-tight sm:text-5xl">{name ? `Hi ${name}, ready to race?` : "Your next start line is here."}</h1>
        <p className="mt-4 max-w-2xl text-lg text-slate-700">
          Startline sells and runs races: registration with waivers, group entries, fair queues for popular openings and
          check-in on race day.
        </p>
        <Link to="/races" className="mt-6 inline-block font-semibold text-brand-700 underline">
          Browse upcoming races
        </Link>
        {name ? null : (
          <div className="mt-6 flex flex-wrap gap-3">
            <Link to="/signup" className="rounded-lg bg-brand-600 px-5 py-3 font-semibold text-white hover:bg-brand-700">
              Create a free account
            </Link>
            <Link to="/login" className="rounded-lg px-5 py-3 font-semibold ring-1 ring-slate-300 hover:bg-white">
              Log in
            </Link>
          </div>
        )}
      </section>
      {nextRaces.length > 0 ? (
        <section aria-labelledby="next-races">
          <h2 id="next-races" className="text-xl font-semibold">
            Next races
          </h2>
          <ul className="mt-3 grid gap-4 sm:grid-cols-3">
            {nextRaces.map((race) => (
              <li key={race.id}>
                <Card>
                  <Link to={`/races/${race.slug}`} className="font-semibold text-brand-700 underline">
                    {race.name}
                  </Link>
                  <p className="text-sm text-slate-700">{formatInZone(race.startsAt, race.timeZone)}</p>
                  <p className="text-sm text-slate-600">{race.location}</p>
                </Card>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-3">
        <Card>
          <h2 className="font-semibold">For runners</h2>
          <p className="mt-2 text-sm text-slate-700">Register yourself and your team, sign waivers once, keep your tickets on your phone.</p>
        </Card>
        <Card>
          <h2 className="font-semibold">For organisers</h2>
          <p className="mt-2 text-sm text-slate-700">Ticket types, capacity, codes, live sales and a check-in that works on a phone.</p>
        </Card>
        <Card>
          <h2 className="font-semibold">Live everywhere</h2>
          <p className="mt-2 text-sm text-slate-700">Payments, team members and queue positions update in every open tab.</p>
        </Card>
      </div>
    </div>
  );
}

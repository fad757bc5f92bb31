import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Card } from "~/components/ui";
import { findPublicRace } from "~/services/races.server";
import { renderMarkdown } from "~/utils/markdown.server";
import { formatMoney } from "~/utils/money";
import { tierInForce } from "~/utils/pricing";
import { storage } from "~/utils/storage.server";
import { formatInZone } from "~/utils/time";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.race.name} · Startline` : "Race · Startline" }];

export async function loader({ params }: LoaderFunctionArgs) {
  const found = await findPublicRace(params.slug ?? "");
  if (!found) throw new Response("Not found", { status: 404 });
  if ("movedTo" in found) throw redirect(`/races/${found.movedTo}`, 301);
  const { race } = found;
  const now = new Date();
  return {
    race: {
      ...race,
      descriptionHtml: renderMarkdown(race.description),
      faqHtml: renderMarkdown(race.faq),
      coverUrl: race.coverImageKey ? storage().publicUrl(race.coverImageKey) : null,
      ticketTypes: race.ticketTypes.map((type) => {
        const tier = tierInForce(type.priceTiers, now);
        const remaining = Math.max(0, type.capacity - type.soldCount - type.heldCount);
        const onSale = (!type.salesStartAt || type.salesStartAt <= now) && (!type.salesEndAt || type.salesEndAt > now);
        return { id: type.id, name: type.name, description: type.description, minAge: type.minAge, remaining, onSale, salesStartAt: type.salesStartAt, priceMinor: tier?.priceMinor ?? type.priceMinor, tierLabel: tier?.label ?? null, tierEndsAt: tier?.endsAt ?? null };
      }),
    },
  };
}

export default function PublicRacePage() {
  const { race } = useLoaderData<typeof loader>();
  return (
    <article className="flex flex-col gap-6">
      {race.coverUrl ? <img src={race.coverUrl} alt="" className="aspect-[3/1] w-full rounded-2xl object-cover" /> : null}
      <header>
        <p className="text-sm text-slate-600">{race.organisation.name}</p>
        <h1 className="text-3xl font-extrabold sm:text-4xl">{race.name}</h1>
        <p className="mt-2 text-slate-700">
          {formatInZone(race.startsAt, race.timeZone)} · {race.location}
        </p>
        {race.status === "CANCELLED" ? <p className="mt-3 rounded-lg bg-red-50 p-3 text-red-800">This race has been cancelled.</p> : null}
        {race.status === "CLOSED" ? <p className="mt-3 rounded-lg bg-amber-50 p-3 text-amber-900">Registration is closed.</p> : null}
      </header>
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="flex flex-col gap-6 lg:col-span-2">
          <Card>
            <div className="prose max-w-none" dangerouslySetInnerHTML={{ __html: race.descriptionHtml }} />
          </Card>
          {race.faq ? (
            <Card>
              <h2 className="mb-2 text-xl font-semibold">Questions and answers</h2>
              <div className="prose max-w-none" dangerouslySetInnerHTML={{ __html: race.faqHtml }} />
            </Card>
          ) : null}
        </div>
        <Card>
          <h2 className="text-xl font-semibold">Tickets</h2>
          <ul className="mt-3 divide-y divide-slate-200">
            {race.ticketTypes.map((type) => (
              <li key={type.id} className="py-3">
                <div className="flex items-center justify-between gap-2">
                  <span className="font-medium">{type.name}</span>
                  <span className="font-semibold">{formatMoney(type.priceMinor, race.currency)}</span>
                </div>
                {type.tierLabel && type.tierEndsAt ? (
                  <p className="text-xs text-brand-700">
                    {type.tierLabel} until {formatInZone(type.tierEndsAt, race.timeZone)}
                  </p>
                ) : null}
                <p className="mt-1 text-sm text-slate-600">
                  {type.remaining === 0 ? <Badge tone="bad">Sold out</Badge> : type.onSale ? `${type.remaining} places left` : <Badge tone="warn">Not on sale now</Badge>}
                  {type.minAge ? ` · age ${type.minAge}+ on race day` : ""}
                </p>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </article>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Card } from "~/components/ui";
import { membershipsOf } from "~/services/organisations.server";
import { payoutsPath } from "~/services/payouts.server";
import { requireUser } from "~/web/auth.server";

export const meta: MetaFunction = () => [{ title: "Payouts · Startline" }];

/** Payouts of the organisations the user owns: straight to the page when there is one. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const owned = (await membershipsOf(user.id)).filter((membership) => membership.role === "OWNER").map((membership) => membership.organisation);
  if (owned.length === 1) throw redirect(payoutsPath(owned[0]!.id));
  return { organisations: owned.map(({ id, name }) => ({ id, name, href: payoutsPath(id) })) };
}

export default function PayoutsChooser() {
  const { organisations } = useLoaderData<typeof loader>();
  return (
    <Card className="mx-auto max-w-xl">
      <h1 className="text-2xl font-bold">Payouts</h1>
      {organisations.length === 0 ? (
        <p className="mt-3 text-sm text-slate-700">Only owners of an organisation set up its payouts. Ask your organisation's owner, or create an organisation of your own.</p>
      ) : (
        <ul className="mt-4 flex flex-col gap-2">
          {organisations.map((organisation) => (
            <li key={organisation.id}>
              <Link to={organisation.href} className="font-medium text-brand-700 underline">
                {organisation.name}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Badge, Card } from "~/components/ui";
import { requireUser } from "~/web/auth.server";

export const meta: MetaFunction = () => [{ title: "Your account · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { user };
}

const roleLabels = { BUYER: "Participant", ORGANISER: "Organiser", OPERATOR: "Operator" } as const;

export default function AccountPage() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <Card className="max-w-xl">
      <h1 className="text-2xl font-bold">Your account</h1>
      <dl className="mt-4 grid grid-cols-[8rem_1fr] gap-y-2 text-sm">
        <dt className="text-slate-600">Name</dt>
        <dd>{user.name}</dd>
        <dt className="text-slate-600">Email</dt>
        <dd className="flex flex-wrap items-center gap-2">
          {user.email}
          {user.emailVerifiedAt ? (
            <Badge tone="good">Verified</Badge>
          ) : (
            <Link to="/verify-email" className="font-medium text-brand-700 underline">
              Not verified yet: verify it
            </Link>
          )}
        </dd>
        <dt className="text-slate-600">Role</dt>
        <dd>
          <Badge>{roleLabels[user.role]}</Badge>
        </dd>
      </dl>
      <nav aria-label="Your things" className="mt-6 flex flex-wrap gap-3 text-sm">
        <Link to="/tickets" className="font-medium text-brand-700 underline">
          My tickets
        </Link>
        <Link to="/billing" className="font-medium text-brand-700 underline">
          Credits and membership
        </Link>
        <Link to="/ai-jobs" className="font-medium text-brand-700 underline">
          AI jobs
        </Link>
        <Link to="/notifications" className="font-medium text-brand-700 underline">
          Notifications
        </Link>
        {user.role === "OPERATOR" ? (
          <>
            <Link to="/operator/credits" className="font-medium text-brand-700 underline">
              Operator: credit adjustments
            </Link>
            <Link to="/operator/alerts" className="font-medium text-brand-700 underline">
              Operator: alerts
            </Link>
          </>
        ) : null}
      </nav>
    </Card>
  );
}

import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Badge, Card, Pagination } from "~/components/ui";
import { outboxPage } from "~/presenters/outbox.server";
import { requireOutbox } from "~/utils/outbox.server";
import { pageParam } from "~/validation/pagination";

export const meta: MetaFunction = () => [{ title: "Local outbox · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  requireOutbox();
  const page = pageParam(request);
  return { page, ...(await outboxPage(page)) };
}

export default function OutboxPage() {
  const { items, page, pageCount, total } = useLoaderData<typeof loader>();
  return (
    <Card>
      <h1 className="text-2xl font-bold">Local email outbox</h1>
      <p className="mt-1 text-sm text-slate-600">
        No SMTP server is configured (SMTP_URL), so emails are kept here instead of being sent. {total} in total.
      </p>
      {items.length === 0 ? (
        <p className="mt-6">No emails yet. Sign up to receive a welcome email.</p>
      ) : (
        <table className="mt-6 w-full text-left text-sm">
          <thead>
            <tr className="border-b border-slate-200 text-slate-600">
              <th className="py-2">To</th>
              <th className="py-2">Subject</th>
              <th className="py-2">Status</th>
              <th className="py-2">Queued</th>
            </tr>
          </thead>
          <tbody>
            {items.map((email) => (
              <tr key={email.id} className="border-b border-slate-100">
                <td className="py-2">{email.to}</td>
                <td className="py-2">
                  <Link className="text-brand-700 underline" to={`/dev/outbox/${email.id}`}>
                    {email.subject}
                  </Link>
                </td>
                <td className="py-2">
                  <Badge tone={email.status === "SENT" ? "good" : email.status === "FAILED" ? "bad" : "warn"}>{email.status.toLowerCase()}</Badge>
                </td>
                <td className="py-2">{new Date(email.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?page=${p}`} />
    </Card>
  );
}

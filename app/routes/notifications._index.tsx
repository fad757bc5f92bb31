import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Card, Pagination } from "~/components/ui";
import { recentNotifications } from "~/services/notifications.server";
import { requireUser } from "~/web/auth.server";
import { pageParam } from "~/validation/pagination";

export const meta: MetaFunction = () => [{ title: "Notifications · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const page = pageParam(request);
  return { page, ...(await recentNotifications(user.id, page)) };
}

export default function NotificationsPage() {
  const { items, page, pageCount } = useLoaderData<typeof loader>();
  return (
    <Card>
      <h1 className="text-2xl font-bold">Notifications</h1>
      <p className="mt-1 text-sm text-slate-600">Notifications are kept for 24 hours.</p>
      {items.length === 0 ? (
        <p className="mt-6 text-slate-700">Nothing new. Payment confirmations, refunds and team news will show up here.</p>
      ) : (
        <ul className="mt-6 divide-y divide-slate-200">
          {items.map((item) => (
            <li key={item.id} className="flex items-start justify-between gap-4 py-3">
              <div>
                <p className="font-medium">{item.title}</p>
                <p className="text-sm text-slate-700">{item.body}</p>
              </div>
              <div className="flex flex-col items-end gap-1 text-xs text-slate-600">
                <time dateTime={new Date(item.createdAt).toISOString()}>{new Date(item.createdAt).toLocaleString()}</time>
                {item.dismissedAt ? <Badge>Dismissed</Badge> : <Badge tone="good">New</Badge>}
              </div>
            </li>
          ))}
        </ul>
      )}
      <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?page=${p}`} />
    </Card>
  );
}

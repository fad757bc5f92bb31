import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useRouteError, useRouteLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { Header } from "~/components/header";
import { UserFeedProvider } from "~/components/live-feed";
import { useNonce } from "~/components/nonce";
import { Toasts } from "~/components/toasts";
import { creditBalance } from "~/services/credits.server";
import { membershipView } from "~/services/memberships.server";
import { viewerLocale } from "~/web/locale.server";
import { getUser } from "~/web/auth.server";
import { publicEnv } from "~/utils/env.server";
import stylesheet from "./tailwind.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [
  { title: "Startline — races and participation events" },
  { name: "description", content: "Register for races, run your event, check participants in." },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request);
  const [balance, membership] = user ? await Promise.all([creditBalance(user.id), membershipView(user.id)]) : [0, null];
  return { user, creditBalance: balance, membership, locale: viewerLocale(request), env: publicEnv() };
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const nonce = useNonce();
  const page = (
    <>
      <Header user={data?.user ?? null} initialBalance={data?.creditBalance ?? 0} initialMembership={data?.membership ?? null} locale={data?.locale ?? "en-IE"} demoMode={data?.env.demoMode ?? false} />
      <main className="mx-auto w-full max-w-5xl flex-1 px-4 py-8">{children}</main>
      <footer className="border-t border-slate-200 px-4 py-6 text-center text-xs text-slate-500">
        Startline is open source. {data?.env.outboxPages ? <Link className="underline" to="/dev/outbox">Local email outbox</Link> : null}
      </footer>
      <Toasts />
    </>
  );
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-full flex-col">
        {data?.user ? <UserFeedProvider initialBalance={data.creditBalance} initialMembership={data.membership}>{page}</UserFeedProvider> : page}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const title =
    status === 404 ? "We can't find that page" : status === 403 ? "You don't have access to this page" : "Something went wrong on our side";
  const detail =
    status === 404
      ? "The link may be old or mistyped. Check the address, or start again from the home page."
      : status === 403
        ? typeof (error as { data?: unknown }).data === "string"
          ? String((error as { data: string }).data)
          : "Ask the organiser who runs this race for access."
        : "We have been told about it. Try again in a moment; if it keeps happening, contact the race organiser.";
  return (
    <div className="mx-auto max-w-lg py-16 text-center">
      <p className="text-sm font-semibold text-brand-700">Error {status}</p>
      <h1 className="mt-2 text-3xl font-bold">{title}</h1>
      <p className="mt-4 text-slate-700">{detail}</p>
      <Link to="/" className="mt-8 inline-block rounded-lg bg-brand-600 px-4 py-2 font-semibold text-white">
        Go to the home page
      </Link>
    </div>
  );
}

import { Form, Link } from "@remix-run/react";
import { useUserFeed, type LinkStatus } from "./live-feed";

type HeaderUser = { name: string; email: string; role: string } | null;

const statusText: Record<LinkStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

function LiveStatus() {
  const feed = useUserFeed();
  if (!feed) return null;
  return (
    <span className="inline-flex items-center gap-1 text-xs text-slate-600" data-testid="live-status">
      <span aria-hidden className={`h-2 w-2 rounded-full ${feed.status === "live" ? "bg-brand-500" : "bg-amber-500"}`} />
      {statusText[feed.status]}
    </span>
  );
}

function CreditBalance({ initial }: { initial: number }) {
  const feed = useUserFeed();
  const balance = feed?.creditBalance ?? initial;
  return (
    <Link to="/billing" className="rounded-full bg-brand-50 px-3 py-1 text-sm font-medium text-brand-700 hover:bg-brand-100" aria-label={`Credit balance: ${balance}`}>
      {balance} credits
    </Link>
  );
}

function NotificationCount() {
  const feed = useUserFeed();
  const count = feed?.notifications.length ?? 0;
  return (
    <Link to="/notifications" className="relative rounded-lg px-2 py-1 text-sm hover:bg-slate-100" aria-label={`Notifications (${count} new)`}>
      <svg aria-hidden viewBox="0 0 24 24" className="inline h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {count > 0 ? <span className="ml-1 rounded-full bg-red-600 px-1.5 text-xs text-white">{count}</span> : null}
    </Link>
  );
}

export function Header({ user, initialBalance, demoMode }: { user: HeaderUser; initialBalance: number; demoMode: boolean }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      {demoMode ? (
        <p className="bg-amber-100 px-4 py-1 text-center text-xs text-amber-900">Demo mode: payments are simulated and emails go to the local outbox.</p>
      ) : null}
      <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-3 px-4 py-3">
        <Link to="/" className="text-lg font-bold text-brand-700">
          Startline
        </Link>
        {user ? (
          <nav aria-label="Account" className="flex flex-wrap items-center gap-3">
            <Link to="/races" className="text-sm font-medium hover:underline">
              Races
            </Link>
            <Link to="/tickets" className="text-sm font-medium hover:underline">
              My tickets
            </Link>
            <Link to="/organiser" className="text-sm font-medium hover:underline">
              Organise
            </Link>
            {user.role === "OPERATOR" ? (
              <Link to="/operator" className="text-sm font-medium hover:underline">
                Operate
              </Link>
            ) : null}
            <LiveStatus />
            <CreditBalance initial={initialBalance} />
            <NotificationCount />
            <Link to="/account" className="text-sm font-medium hover:underline">
              {user.name}
            </Link>
            <Form method="post" action="/logout">
              <button type="submit" className="rounded-lg px-2 py-1 text-sm hover:bg-slate-100">
                Log out
              </button>
            </Form>
          </nav>
        ) : (
          <nav aria-label="Account" className="flex items-center gap-2">
            <Link to="/races" className="rounded-lg px-3 py-2 text-sm font-medium hover:bg-slate-100">
              Races
            </Link>
            <Link to="/login" className="rounded-lg px-3 py-2 text-sm font-medium hover:bg-slate-100">
              Log in
            </Link>
            <Link to="/signup" className="rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white hover:bg-brand-700">
              Sign up
            </Link>
          </nav>
        )}
      </div>
    </header>
  );
}

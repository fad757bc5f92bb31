import { Form, Link, useLocation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { MembershipView } from "~/realtime/channels";
import { membershipHeadline, showsInHeader } from "~/lib/membership-view";
import { counted } from "~/lib/plural";
import { useUserFeed } from "./live-feed";
import { LiveIndicator } from "./live-indicator";

type HeaderUser = { name: string; email: string; role: string } | null;

/** The feed's link state; "Refresh now" reconnects (a fresh snapshot) and re-reads the page's own data too. */
function LiveStatus() {
  const feed = useUserFeed();
  const revalidator = useRevalidator();
  if (!feed) return null;
  const refresh = () => {
    feed.refresh();
    revalidator.revalidate();
  };
  return <LiveIndicator status={feed.status} onRefresh={refresh} testId="live-status" compact />;
}

/** The membership while it runs or needs attention, kept live by the feed; a link to billing. */
function MembershipStatus({ initial, locale }: { initial: MembershipView | null; locale: string }) {
  const feed = useUserFeed();
  const membership = feed ? feed.membership : initial;
  if (!showsInHeader(membership)) return null;
  const headline = membershipHeadline(membership, locale);
  return (
    <Link
      to="/billing"
      data-testid="header-membership"
      title={`${membership.planName}: ${headline}`}
      className={`whitespace-nowrap rounded-full px-3 py-1 text-sm font-medium ${membership.status === "ACTIVE" ? "bg-brand-50 text-brand-700 hover:bg-brand-100" : "bg-amber-100 text-amber-900 hover:bg-amber-200"}`}
    >
      {headline}
    </Link>
  );
}

function CreditBalance({ initial }: { initial: number }) {
  const feed = useUserFeed();
  const balance = feed?.creditBalance ?? initial;
  return (
    <Link to="/billing" className="whitespace-nowrap rounded-full bg-brand-50 px-3 py-1 text-sm font-medium text-brand-700 hover:bg-brand-100" aria-label={`Credit balance: ${counted(balance, "credit")}`}>
      {counted(balance, "credit")}
    </Link>
  );
}

/** The Clubs link with the unread messages per club the user is in, live from the user feed. */
function ClubsLink({ className }: { className: string }) {
  const feed = useUserFeed();
  const unread = (feed?.clubsUnread ?? []).filter((club) => club.unread > 0);
  const total = unread.reduce((sum, club) => sum + club.unread, 0);
  return (
    <>
      <Link to="/clubs" className={className} aria-label={total > 0 ? `Clubs (${counted(total, "unread message")})` : undefined}>
        Clubs
        {total > 0 ? <span className="ml-1 rounded-full bg-red-600 px-1.5 text-xs text-white">{total}</span> : null}
      </Link>
      {unread.map((club) => (
        <Link key={club.clubId} to={`/clubs/${club.clubId}`} className={`${className} text-slate-600`} data-testid="club-unread">
          {club.name}: {counted(club.unread, "unread")}
        </Link>
      ))}
    </>
  );
}

function NotificationCount() {
  const feed = useUserFeed();
  const count = feed?.notifications.length ?? 0;
  return (
    // Named by its own text (not aria-label), so the name a screen reader hears contains the count one sees.
    <Link to="/notifications" className="relative rounded-lg px-2 py-1 text-sm hover:bg-slate-100">
      <span className="sr-only">Notifications</span>
      <svg aria-hidden viewBox="0 0 24 24" className="inline h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {count > 0 ? (
        <>
          <span className="sr-only">, </span>
          <span className="ml-1 rounded-full bg-red-600 px-1.5 text-xs text-white">{count}</span>
          <span className="sr-only"> new</span>
        </>
      ) : null}
    </Link>
  );
}

/**
 * The signed-in header. On a phone it is one row (name, live dot, credits, notifications, a Menu button) and the
 * links open below it; from the `sm` breakpoint up they sit inline. Escape closes the menu and returns focus.
 */
function SignedInNav({ user, initialBalance, initialMembership, locale }: { user: NonNullable<HeaderUser>; initialBalance: number; initialMembership: MembershipView | null; locale: string }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const location = useLocation();
  useEffect(() => setOpen(false), [location.key]);
  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || !open) return;
    setOpen(false);
    button.current?.focus();
  };
  const linkClass = "rounded-lg px-2 py-2 text-sm font-medium hover:bg-slate-100 sm:px-0 sm:py-0 sm:hover:bg-transparent sm:hover:underline";
  return (
    <nav aria-label="Account" className="flex flex-1 items-center justify-end gap-3" onKeyDown={closeOnEscape}>
      <div className="flex items-center gap-2 sm:order-last sm:gap-3">
        <LiveStatus />
        <CreditBalance initial={initialBalance} />
        <NotificationCount />
        <button
          ref={button}
          type="button"
          className="inline-flex min-h-11 items-center gap-1 rounded-lg px-2 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-100 sm:hidden"
          aria-expanded={open}
          aria-controls="site-menu"
          onClick={() => setOpen((isOpen) => !isOpen)}
        >
          <svg aria-hidden viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2">
            {open ? <path d="M6 6l12 12M18 6L6 18" /> : <path d="M4 6h16M4 12h16M4 18h16" />}
          </svg>
          Menu
        </button>
      </div>
      <div
        id="site-menu"
        className={`${open ? "flex" : "hidden"} absolute inset-x-0 top-full z-40 flex-col gap-1 border-b border-slate-200 bg-white px-4 py-2 shadow-md sm:static sm:flex sm:flex-row sm:items-center sm:gap-3 sm:border-0 sm:p-0 sm:shadow-none`}
      >
        <MembershipStatus initial={initialMembership} locale={locale} />
        <Link to="/races" className={linkClass}>
          Races
        </Link>
        <Link to="/tickets" className={linkClass}>
          My tickets
        </Link>
        <ClubsLink className={linkClass} />
        <Link to="/organiser" className={linkClass}>
          Organise
        </Link>
        {user.role === "OPERATOR" ? (
          <Link to="/operator" className={linkClass}>
            Operate
          </Link>
        ) : null}
        <Link to="/account" className={linkClass}>
          {user.name}
        </Link>
        <Form method="post" action="/logout">
          <button type="submit" className="min-h-11 w-full rounded-lg px-2 py-1 text-left text-sm hover:bg-slate-100 sm:min-h-0">
            Log out
          </button>
        </Form>
      </div>
    </nav>
  );
}

export function Header({
  user,
  initialBalance,
  initialMembership,
  locale,
  demoMode,
}: {
  user: HeaderUser;
  initialBalance: number;
  initialMembership: MembershipView | null;
  locale: string;
  demoMode: boolean;
}) {
  return (
    <header className="relative border-b border-slate-200 bg-white">
      {demoMode ? (
        <p className="bg-amber-100 px-4 py-1 text-center text-xs text-amber-900">Demo mode: payments are simulated and emails go to the local outbox.</p>
      ) : null}
      <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-x-3 gap-y-2 px-4 py-2 sm:py-3">
        <Link to="/" className="text-lg font-bold text-brand-700">
          Startline
        </Link>
        {user ? (
          <SignedInNav user={user} initialBalance={initialBalance} initialMembership={initialMembership} locale={locale} />
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

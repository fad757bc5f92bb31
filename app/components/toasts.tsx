import { useFetcher } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import type { NotificationView } from "~/realtime/channels";
import { TOAST_HIDE_AFTER_MS, toastStaysUntilClosed, toastsToShow } from "~/lib/toast-rules";
import { useUserFeed } from "./live-feed";

const HIDDEN_KEY = "startline:hidden-toasts";

/** Toasts that hid themselves stay hidden for the rest of the tab's session, across reloads. */
function useHiddenToasts() {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => {
    const stored = window.sessionStorage.getItem(HIDDEN_KEY);
    if (stored) setHidden(new Set(JSON.parse(stored) as string[]));
  }, []);
  const hide = useCallback(
    (id: string) =>
      setHidden((current) => {
        const next = new Set(current).add(id);
        window.sessionStorage.setItem(HIDDEN_KEY, JSON.stringify([...next].slice(-50)));
        return next;
      }),
    [],
  );
  return { hidden, hide };
}

/**
 * On a phone the stack starts just below the header while the header is on screen (so the Menu button and the
 * page title stay usable), and at the top edge once it has scrolled away. Set through the DOM, not a style
 * attribute, which the Content-Security-Policy refuses.
 */
function useBelowHeader() {
  const stack = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const place = () => {
      const headerBottom = document.querySelector("body > header")?.getBoundingClientRect().bottom ?? 0;
      stack.current?.style.setProperty("--toast-top", `${Math.max(8, headerBottom + 8)}px`);
    };
    place();
    window.addEventListener("scroll", place, { passive: true });
    window.addEventListener("resize", place);
    return () => {
      window.removeEventListener("scroll", place);
      window.removeEventListener("resize", place);
    };
  }, []);
  return stack;
}

/**
 * Live notifications as toasts; dismissing one dismisses it in every tab of the user. News hides itself after a
 * few seconds (it stays on the notifications page); errors stay until closed. On a phone the stack sits at the top,
 * below the header, away from the main actions, which pages keep lower down; on wider screens bottom right.
 */
export function Toasts() {
  const feed = useUserFeed();
  const { hidden, hide } = useHiddenToasts();
  const stack = useBelowHeader();
  if (!feed) return null;
  return (
    <div
      ref={stack}
      aria-live="polite"
      className="pointer-events-none fixed inset-x-0 top-[var(--toast-top,0.5rem)] z-50 flex flex-col items-center gap-2 px-3 sm:top-auto sm:bottom-4 sm:items-end sm:px-4"
      data-testid="toasts"
    >
      {toastsToShow(feed.notifications, hidden).map((notification) => (
        <Toast key={notification.id} notification={notification} onHide={hide} onDismiss={() => feed.dismissLocally(notification.id)} />
      ))}
    </div>
  );
}

function Toast({ notification, onHide, onDismiss }: { notification: NotificationView; onHide: (id: string) => void; onDismiss: () => void }) {
  const fetcher = useFetcher();
  const sticky = toastStaysUntilClosed(notification.kind);
  // Hovering or focusing a toast holds it, so nobody loses one they are reading or about to close.
  const [held, setHeld] = useState(false);
  useEffect(() => {
    if (sticky || held) return;
    const timer = window.setTimeout(() => onHide(notification.id), TOAST_HIDE_AFTER_MS);
    return () => window.clearTimeout(timer);
  }, [sticky, held, onHide, notification.id]);
  return (
    <div
      role="status"
      className={`pointer-events-auto w-full max-w-sm rounded-xl bg-white px-4 py-3 shadow-lg ring-1 ${sticky ? "ring-red-300" : "ring-slate-200"}`}
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
    >
      <div className="flex items-start gap-3">
        <div className="min-w-0 flex-1">
          <p className="font-semibold">{notification.title}</p>
          <p className="line-clamp-2 text-sm text-slate-700 sm:line-clamp-none">{notification.body}</p>
        </div>
        <fetcher.Form method="post" action="/notifications/dismiss" onSubmit={onDismiss}>
          <input type="hidden" name="id" value={notification.id} />
          <button type="submit" className="min-h-8 min-w-8 rounded p-1 text-sm text-slate-600 hover:bg-slate-100" aria-label={`Dismiss: ${notification.title}`}>
            ✕
          </button>
        </fetcher.Form>
      </div>
    </div>
  );
}

import { useFetcher } from "@remix-run/react";
import { useUserFeed } from "./live-feed";

/** Live notifications as toasts; dismissing one dismisses it in every tab of the user. */
export function Toasts() {
  const feed = useUserFeed();
  const fetcher = useFetcher();
  if (!feed) return null;
  return (
    <div aria-live="polite" className="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex flex-col items-center gap-2 px-4 sm:items-end">
      {feed.notifications.slice(0, 4).map((notification) => (
        <div
          key={notification.id}
          role="status"
          className="pointer-events-auto w-full max-w-sm rounded-xl bg-white p-4 shadow-lg ring-1 ring-slate-200"
        >
          <div className="flex items-start gap-3">
            <div className="flex-1">
              <p className="font-semibold">{notification.title}</p>
              <p className="text-sm text-slate-700">{notification.body}</p>
            </div>
            <fetcher.Form method="post" action="/notifications/dismiss" onSubmit={() => feed.dismissLocally(notification.id)}>
              <input type="hidden" name="id" value={notification.id} />
              <button type="submit" className="rounded p-1 text-sm text-slate-600 hover:bg-slate-100" aria-label={`Dismiss: ${notification.title}`}>
                ✕
              </button>
            </fetcher.Form>
          </div>
        </div>
      ))}
    </div>
  );
}

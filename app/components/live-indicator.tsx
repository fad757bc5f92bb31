import type { LinkStatus } from "./use-event-source";

const defaultText: Record<LinkStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

const dotColour: Record<LinkStatus, string> = {
  connecting: "bg-slate-400",
  live: "bg-brand-500",
  reconnecting: "bg-amber-500",
  offline: "bg-red-600",
};

/**
 * The one way every live page says whether its link is up: Live, Reconnecting…, or Offline after repeated
 * failures, then with a "Refresh now" button that reconnects at once and so re-reads the snapshot.
 * `text` words a state for its page ("Places update live"); `compact` shows only the dot on a phone
 * (screen readers still hear the words). The words sit in `testId`, the button beside them.
 */
export function LiveIndicator({
  status,
  onRefresh,
  text = {},
  testId,
  compact = false,
  className = "",
}: {
  status: LinkStatus;
  onRefresh: () => void;
  text?: Partial<Record<LinkStatus, string>>;
  testId?: string;
  compact?: boolean;
  className?: string;
}) {
  const words = text[status] ?? defaultText[status];
  return (
    <span className={`inline-flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600 ${className}`}>
      <span role="status" className="inline-flex items-center gap-1" title={words}>
        <span aria-hidden className={`h-2 w-2 shrink-0 rounded-full ${dotColour[status]}`} />
        <span data-testid={testId} className={compact ? "sr-only sm:not-sr-only" : undefined}>
          {words}
        </span>
      </span>
      {status === "offline" ? (
        <button type="button" onClick={onRefresh} className="min-h-8 rounded-md px-2 py-0.5 font-medium text-brand-700 underline ring-1 ring-slate-300 hover:bg-slate-100">
          Refresh now
        </button>
      ) : null}
    </span>
  );
}

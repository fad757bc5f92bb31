import { useState } from "react";
import { useEventSource } from "./use-event-source";

/** A value kept current by an SSE stream that sends whole snapshots (liveStream's `resnapshotEveryMs`); `refresh` reads it again now. */
export function useLiveSnapshot<S>(url: string, initial: S) {
  const [value, setValue] = useState(initial);
  const { status, refresh } = useEventSource(url, { snapshot: (data) => setValue(data as S) });
  return { value, status, refresh };
}

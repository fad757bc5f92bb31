import type { z } from "zod";
import type { jobCatalog, JobName } from "./catalog";

export type JobHandler<N extends JobName> = {
  /** Must be safe to run twice: BullMQ delivers at least once. */
  run: (payload: z.output<(typeof jobCatalog)[N]["payload"]>) => Promise<unknown>;
  /** Called once after the last retry failed, or at once after a `PermanentFailure` (the worker does not retry those). */
  onFinalFailure?: (payload: z.output<(typeof jobCatalog)[N]["payload"]>, error: Error) => Promise<unknown>;
};

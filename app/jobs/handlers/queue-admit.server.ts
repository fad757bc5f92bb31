import type { JobHandler } from "../handler";
import { runAdmissionTick } from "~/services/queue.server";

/** Safe to run twice: each race's step runs under its queue row lock and earns credit only for time elapsed. */
export const queueAdmit: JobHandler<"queue.admit"> = {
  run: async () => runAdmissionTick(),
};

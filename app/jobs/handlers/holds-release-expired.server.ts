import type { JobHandler } from "../handler";
import { releaseExpiredHolds } from "~/services/hold-releases.server";

export const holdsReleaseExpired: JobHandler<"holds.release-expired"> = {
  run: async () => ({ released: await releaseExpiredHolds() }),
};

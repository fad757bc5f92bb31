import type { JobHandler } from "../handler";
import { releaseExpiredHolds } from "~/services/reservations.server";

export const holdsReleaseExpired: JobHandler<"holds.release-expired"> = {
  run: async () => ({ released: await releaseExpiredHolds() }),
};

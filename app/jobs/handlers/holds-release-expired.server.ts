import type { JobHandler } from "../handler";
import { releaseExpiredHolds } from "~/services/hold-releases.server";
import { offerFreedPlaces } from "~/services/waitlist-offers.server";

/**
 * Releases holds that ran out (waiting-list offers whose claim window ended among them), then offers every free
 * place of a waiting list: the catch-up for an offer a writer could not make after its commit (ADR 0070).
 */
export const holdsReleaseExpired: JobHandler<"holds.release-expired"> = {
  run: async () => ({ released: await releaseExpiredHolds(), offered: await offerFreedPlaces() }),
};

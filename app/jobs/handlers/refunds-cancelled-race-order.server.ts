import { failCancellationRefund, runCancellationRefund } from "~/services/race-cancellation.server";
import type { JobHandler } from "../handler";

/** Refunds one paid order of a cancelled race in full; after the last retry the race page shows it as failed. */
export const refundsCancelledRaceOrder: JobHandler<"refunds.cancelled-race-order"> = {
  run: ({ orderId }) => runCancellationRefund(orderId),
  onFinalFailure: ({ orderId }, error) => failCancellationRefund(orderId, error.message),
};

import type { JobHandler } from "../handler";
import { deliverEmail, markEmailFailed } from "~/services/email.server";

export const emailSend: JobHandler<"email.send"> = {
  run: ({ emailId }) => deliverEmail(emailId),
  onFinalFailure: ({ emailId }, error) => markEmailFailed(emailId, error.message),
};

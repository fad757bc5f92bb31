import type { JobHandler } from "../handler";
import { issuePasswordReset } from "~/services/password-reset.server";

export const authPasswordReset: JobHandler<"auth.password-reset"> = {
  run: (payload) => issuePasswordReset(payload),
};

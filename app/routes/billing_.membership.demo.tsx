import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { sendDemoMembershipEvent } from "~/services/demo-memberships.server";
import { demoMembershipEventSchema } from "~/validation/billing";
import { requireDemoPayments } from "~/web/access.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

/** Demo payment mode: a step of the membership's life (renewal, declined renewal, cancellation, end) sent as Stripe would. */
export async function action({ request }: ActionFunctionArgs) {
  requireDemoPayments();
  const user = await requireUser(request);
  const submission = parseWithZod(await request.formData(), { schema: demoMembershipEventSchema });
  if (submission.status !== "success") return data({ error: "Choose what should happen to the membership." }, { status: 400 });
  try {
    await sendDemoMembershipEvent({ userId: user.id, event: submission.value.event, origin: new URL(request.url).origin });
  } catch (error) {
    return replyToError(error);
  }
  return redirect("/billing");
}

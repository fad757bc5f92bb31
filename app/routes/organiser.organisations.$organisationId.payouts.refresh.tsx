import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { payoutsPath, renewOnboardingLink } from "~/services/payouts.server";
import { requireOrgRole } from "~/web/access.server";
import { isStripeConfigured } from "~/utils/stripe.server";

/** Stripe sends the owner here when an onboarding link expired or was used: make a new one and go back. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { organisation } = await requireOrgRole(request, params.organisationId ?? "", "OWNER");
  if (!isStripeConfigured()) return redirect(payoutsPath(organisation.id));
  return redirect((await renewOnboardingLink(organisation.id)) ?? payoutsPath(organisation.id));
}

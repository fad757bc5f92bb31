import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import type { ConnectStatus } from "@prisma/client";
import { Badge, Button, Card, FormError } from "~/components/ui";
import { VerifyEmailNotice } from "~/components/verify-email-notice";
import { emailVerificationBlocker, EmailNotVerifiedError } from "~/services/email-verification.server";
import { PAYOUTS_ACTION, payoutOverview, refreshPayoutStatus, startPayoutOnboarding } from "~/services/payouts.server";
import { requireOrgRole } from "~/web/access.server";
import { isStripeApiError, StripeNotConfiguredError } from "~/utils/stripe.server";
import { payoutSetupSchema } from "~/validation/payouts";

export const meta: MetaFunction<typeof loader> = ({ data: page }) => [{ title: `Payouts · ${page?.organisation.name ?? "Organisation"} · Startline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { organisation, user } = await requireOrgRole(request, params.organisationId ?? "", "OWNER");
  if (new URL(request.url).searchParams.get("from") === "stripe") {
    // Back from Stripe's form: show the account's state now rather than wait for the webhook.
    await refreshPayoutStatus(organisation.id).catch((error: unknown) => {
      if (!isStripeApiError(error)) throw error;
    });
  }
  const overview = await payoutOverview(organisation.id);
  return {
    organisation: { id: overview.id, name: overview.name },
    status: {
      connectStatus: overview.connectStatus,
      chargesEnabled: overview.chargesEnabled,
      payoutsEnabled: overview.payoutsEnabled,
      hasAccount: Boolean(overview.stripeAccountId),
    },
    stripeConfigured: overview.stripeConfigured,
    feeBps: overview.feeBps,
    blocker: overview.blocker,
    emailBlocker: await emailVerificationBlocker(user.id, PAYOUTS_ACTION),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { organisation, user } = await requireOrgRole(request, params.organisationId ?? "", "OWNER");
  const parsed = payoutSetupSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ errors: parsed.error.issues.map((issue) => issue.message) }, { status: 400 });
  try {
    return redirect(await startPayoutOnboarding(organisation.id, user.id));
  } catch (error) {
    if (error instanceof StripeNotConfiguredError) return data({ errors: [error.message] }, { status: 409 });
    if (error instanceof EmailNotVerifiedError) return data({ errors: [error.message] }, { status: error.status });
    if (isStripeApiError(error)) {
      return data({ errors: [`Stripe could not start payout setup (${error.message}). Nothing was lost; try again in a moment.`] }, { status: 502 });
    }
    throw error;
  }
}

const statusBadge: Record<ConnectStatus, { label: string; tone: "neutral" | "good" | "warn" | "bad" }> = {
  NOT_STARTED: { label: "Not started", tone: "neutral" },
  PENDING: { label: "Pending", tone: "warn" },
  ENABLED: { label: "Enabled", tone: "good" },
  RESTRICTED: { label: "Restricted", tone: "bad" },
};

const statusExplanation: Record<ConnectStatus, string> = {
  NOT_STARTED: "Connect a Stripe account so that ticket payments reach your organisation. It takes about ten minutes; Stripe asks for your organisation's details and a bank account.",
  PENDING: "Stripe is waiting for some of your details. Continue where you left off.",
  ENABLED: "Your organisation can take payments and receives payouts to its bank account.",
  RESTRICTED: "Stripe has paused payments or payouts until it receives more information. Continue setup to see what Stripe needs.",
};

function YesNo({ value }: { value: boolean }) {
  return <Badge tone={value ? "good" : "neutral"}>{value ? "Yes" : "Not yet"}</Badge>;
}

export default function PayoutsPage() {
  const { organisation, status, stripeConfigured, feeBps, blocker, emailBlocker } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [searchParams] = useSearchParams();
  const badge = statusBadge[status.connectStatus];
  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-6">
      <div>
        <p className="text-sm text-slate-600">{organisation.name}</p>
        <h1 className="text-2xl font-bold">Payouts</h1>
      </div>
      {!stripeConfigured ? (
        <Card>
          <h2 className="text-lg font-semibold">Payout setup is unavailable here</h2>
          <p className="mt-2 text-sm text-slate-700">
            This installation is not connected to Stripe (no <code>STRIPE_SECRET_KEY</code>), so payments are simulated (demo payment mode) and
            nothing is paid out. You can publish paid races and try the whole registration flow without setting up payouts. To take real
            payments, the operator of this Startline sets the Stripe keys described in <code>.env.example</code>.
          </p>
        </Card>
      ) : (
        <Card>
          <div className="flex flex-wrap items-center gap-3">
            <h2 className="text-lg font-semibold">Stripe account</h2>
            <Badge tone={badge.tone}>{badge.label}</Badge>
          </div>
          {searchParams.get("from") === "stripe" && status.connectStatus !== "ENABLED" ? (
            <p role="status" className="mt-3 rounded-lg bg-brand-50 p-3 text-sm text-brand-700">
              Welcome back. Stripe confirms your details within a few minutes; you will get a notification when payments are enabled.
            </p>
          ) : null}
          <p className="mt-3 text-sm text-slate-700">{statusExplanation[status.connectStatus]}</p>
          <dl className="mt-4 grid grid-cols-[10rem_1fr] gap-y-2 text-sm">
            <dt className="text-slate-600">Can take payments</dt>
            <dd>
              <YesNo value={status.chargesEnabled} />
            </dd>
            <dt className="text-slate-600">Receives payouts</dt>
            <dd>
              <YesNo value={status.payoutsEnabled} />
            </dd>
            <dt className="text-slate-600">Platform fee</dt>
            <dd>{(feeBps / 100).toLocaleString("en", { maximumFractionDigits: 2 })}% of each order</dd>
          </dl>
          {blocker ? (
            <p className="mt-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="publishing-blocker">
              {blocker}
            </p>
          ) : null}
          {status.connectStatus !== "ENABLED" && emailBlocker ? (
            <div className="mt-6">
              <VerifyEmailNotice message={emailBlocker} />
            </div>
          ) : status.connectStatus !== "ENABLED" ? (
            <Form method="post" className="mt-6 flex flex-col gap-3">
              <FormError id="payouts-error" errors={actionData?.errors} />
              <input type="hidden" name="intent" value="start-payouts" />
              <Button type="submit" pending={navigation.state !== "idle"} pendingLabel="Opening Stripe…" className="self-start">
                {status.hasAccount ? "Continue payout setup with Stripe" : "Set up payouts with Stripe"}
              </Button>
              <p className="text-xs text-slate-600">You will leave Startline for Stripe's secure form and come back here afterwards.</p>
            </Form>
          ) : null}
        </Card>
      )}
    </div>
  );
}

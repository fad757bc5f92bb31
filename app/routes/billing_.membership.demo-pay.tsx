import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card, FormError } from "~/components/ui";
import { counted } from "~/lib/plural";
import { formatMoney } from "~/lib/money";
import { pendingDemoMembership, sendDemoMembershipPayment } from "~/services/demo-memberships.server";
import { requireDemoPayments } from "~/web/access.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";

export const meta: MetaFunction = () => [{ title: "Demo membership payment · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  requireDemoPayments();
  const user = await requireUser(request);
  try {
    return await pendingDemoMembership(user.id);
  } catch (error) {
    throw replyToError(error);
  }
}

export async function action({ request }: ActionFunctionArgs) {
  requireDemoPayments();
  const user = await requireUser(request);
  try {
    await sendDemoMembershipPayment({ userId: user.id, origin: new URL(request.url).origin });
  } catch (error) {
    return replyToError(error);
  }
  return redirect("/billing?membership=started");
}

/** Stand-in for Stripe Checkout in subscription mode when no Stripe key is configured. */
export default function DemoMembershipPaymentPage() {
  const { plan } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const price = formatMoney(plan.amountMinor, plan.currency);
  return (
    <Card className="mx-auto max-w-md">
      <p className="rounded-lg bg-amber-100 p-3 text-sm font-semibold text-amber-900">
        Demo payment: no money moves. This page stands in for Stripe Checkout because no Stripe key is configured.
      </p>
      <h1 className="mt-4 text-2xl font-bold">{plan.name}</h1>
      <p className="mt-2 text-lg">{`${price} a month · ${counted(plan.creditsPerPeriod, "credit")} each month`}</p>
      <FormError id="demo-membership-error" errors={result ? [result.error] : undefined} />
      <Form method="post" className="mt-4">
        <Button type="submit" className="w-full" pending={navigation.state === "submitting"} pendingLabel="Subscribing…">
          {`Subscribe for ${price} a month (demo)`}
        </Button>
      </Form>
      <Link to="/billing" className="mt-4 inline-block text-sm text-brand-700 underline">
        Back to billing
      </Link>
    </Card>
  );
}

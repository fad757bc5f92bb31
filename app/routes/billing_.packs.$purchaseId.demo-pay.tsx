import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card, FormError } from "~/components/ui";
import { findPack } from "~/lib/credit-catalog";
import { pendingPackPurchase, sendDemoPackPayment } from "~/services/billing.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { formatMoney } from "~/lib/money";
import { requireDemoPayments } from "~/web/access.server";
import { counted } from "~/lib/plural";

export const meta: MetaFunction = () => [{ title: "Demo payment · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  requireDemoPayments();
  const user = await requireUser(request);
  try {
    const purchase = await pendingPackPurchase(params.purchaseId ?? "", user.id);
    return { purchase, packName: findPack(purchase.product)?.name ?? "Credit pack" };
  } catch (error) {
    throw replyToError(error);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  requireDemoPayments();
  const user = await requireUser(request);
  try {
    await sendDemoPackPayment({ userId: user.id, purchaseId: params.purchaseId ?? "", origin: new URL(request.url).origin });
  } catch (error) {
    return replyToError(error);
  }
  return redirect(`/billing?purchase=${params.purchaseId ?? ""}`);
}

/** Stand-in for Stripe Checkout for credit packs when no Stripe key is configured. */
export default function DemoPackPaymentPage() {
  const { purchase, packName } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const price = formatMoney(purchase.amountMinor, purchase.currency);
  return (
    <Card className="mx-auto max-w-md">
      <p className="rounded-lg bg-amber-100 p-3 text-sm font-semibold text-amber-900">
        Demo payment: no money moves. This page stands in for Stripe Checkout because no Stripe key is configured.
      </p>
      <h1 className="mt-4 text-2xl font-bold">{packName}</h1>
      <p className="mt-2 text-lg">{`${counted(purchase.credits, "credit")} · ${price}`}</p>
      <FormError id="demo-pay-error" errors={result ? [result.error] : undefined} />
      {purchase.status === "PENDING" ? (
        <Form method="post" className="mt-4">
          <Button type="submit" className="w-full" pending={navigation.state === "submitting"} pendingLabel="Paying…">
            {`Pay ${price} (demo)`}
          </Button>
        </Form>
      ) : (
        <p className="mt-4">This purchase is no longer waiting for payment.</p>
      )}
      <Link to="/billing" className="mt-4 inline-block text-sm text-brand-700 underline">
        Back to billing
      </Link>
    </Card>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card, FormError } from "~/components/ui";
import { CheckoutError } from "~/services/checkout.server";
import { buyerOrder } from "~/services/orders.server";
import { sendDemoPayment } from "~/services/payments.server";
import { requireUser } from "~/web/auth.server";
import { formatMoney } from "~/lib/money";
import { requireDemoPayments } from "~/services/demo-payments.server";

export const meta: MetaFunction = () => [{ title: "Demo payment · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  requireDemoPayments();
  const user = await requireUser(request);
  return { order: await buyerOrder(params.orderId ?? "", user.id) };
}

export async function action({ request, params }: ActionFunctionArgs) {
  requireDemoPayments();
  const user = await requireUser(request);
  const orderId = params.orderId ?? "";
  try {
    await sendDemoPayment({ orderId, buyerId: user.id, origin: new URL(request.url).origin });
  } catch (error) {
    if (error instanceof CheckoutError) return data({ error: error.message }, { status: error.status });
    throw error;
  }
  return redirect(`/orders/${orderId}`);
}

/** Stand-in for Stripe Checkout when no Stripe key is configured: paying sends a signed, Stripe-shaped webhook. */
export default function DemoPaymentPage() {
  const { order } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <Card className="mx-auto max-w-md">
      <p className="rounded-lg bg-amber-100 p-3 text-sm font-semibold text-amber-900">
        Demo payment: no money moves. This page stands in for Stripe Checkout because no Stripe key is configured.
      </p>
      <h1 className="mt-4 text-2xl font-bold">{order.race.name}</h1>
      <p className="mt-2 text-lg">{`Total: ${formatMoney(order.totalMinor, order.currency)}`}</p>
      <FormError id="demo-pay-error" errors={result ? [result.error] : undefined} />
      {order.status === "PENDING" ? (
        <Form method="post" className="mt-4">
          <Button type="submit" className="w-full" pending={navigation.state === "submitting"} pendingLabel="Paying…">
            {`Pay ${formatMoney(order.totalMinor, order.currency)} (demo)`}
          </Button>
        </Form>
      ) : (
        <p className="mt-4">This order is no longer waiting for payment.</p>
      )}
      <Link to={`/checkout/${order.id}`} className="mt-4 inline-block text-sm text-brand-700 underline">
        Back to checkout
      </Link>
    </Card>
  );
}

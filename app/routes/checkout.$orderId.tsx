import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { ParticipantForm } from "~/components/participant-form";
import { Button, Card, Field, FormError } from "~/components/ui";
import { applyDiscountCode, checkoutState, CheckoutError, removeDiscountCode, requireBuyersOrder, saveParticipant } from "~/services/checkout.server";
import { startPayment } from "~/services/payments.server";
import { releaseOrder } from "~/services/reservations.server";
import { requireUser } from "~/utils/auth.server";
import { formatMoney } from "~/utils/money";
import { clientIp } from "~/utils/request.server";
import { formatInZone } from "~/utils/time";
import { discountCodeSchema, participantFormSchema } from "~/validation/checkout";

export const meta: MetaFunction = () => [{ title: "Checkout · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { order, waiver, appliedCode } = await checkoutState(params.orderId ?? "", user.id);
  return {
    order: {
      ...order,
      tickets: order.tickets.map(({ participant, ...ticket }) => ({
        ...ticket,
        saved: participant
          ? {
              ...participant,
              dateOfBirth: participant.dateOfBirth?.toISOString().slice(0, 10),
              signedName: participant.waiverSignature?.waiverVersionId === waiver?.id ? participant.waiverSignature?.signedName : undefined,
              guardianName: participant.waiverSignature?.guardianName ?? undefined,
              signedCurrent: participant.waiverSignature?.waiverVersionId === waiver?.id,
            }
          : null,
      })),
    },
    waiver: waiver ? { title: waiver.title, text: waiver.text, version: waiver.version } : null,
    appliedCode,
    buyer: { name: user.name, email: user.email },
  };
}

type ActionReply = { intent: string; ticketId?: string; result?: SubmissionResult<string[]>; error?: string };

function fail(intent: string, error: CheckoutError, extra: Partial<ActionReply> = {}) {
  return data<ActionReply>({ intent, error: error.message, ...extra }, { status: error.status });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const orderId = params.orderId ?? "";
  await requireBuyersOrder(orderId, user.id);
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  try {
    if (intent === "participant") {
      const { order } = await checkoutState(orderId, user.id);
      const schema = participantFormSchema(order.race.standardFields, order.race.questions);
      const submission = parseWithZod(formData, { schema });
      const ticketId = String(formData.get("ticketId") ?? "");
      if (submission.status !== "success") return data<ActionReply>({ intent, ticketId, result: submission.reply() }, { status: 400 });
      try {
        await saveParticipant({
          orderId,
          buyerId: user.id,
          ticketId,
          participant: submission.value.participant,
          signedName: submission.value.signedName,
          guardianName: submission.value.guardianName,
          ip: clientIp(request),
          userAgent: request.headers.get("User-Agent"),
        });
      } catch (error) {
        if (!(error instanceof CheckoutError)) throw error;
        const field = error.field === "form" ? undefined : error.field === "dateOfBirth" ? "participant.dateOfBirth" : error.field;
        const result = submission.reply(field ? { fieldErrors: { [field]: [error.message] } } : { formErrors: [error.message] });
        return data<ActionReply>({ intent, ticketId, result }, { status: error.status });
      }
      return { intent, ticketId, result: submission.reply({ resetForm: false }) } satisfies ActionReply;
    }
    if (intent === "apply-code") {
      const parsed = discountCodeSchema.safeParse(Object.fromEntries(formData));
      if (!parsed.success) return data<ActionReply>({ intent, error: parsed.error.issues[0]!.message }, { status: 400 });
      await applyDiscountCode({ orderId, buyerId: user.id, buyerEmail: user.email, code: parsed.data.code });
      return { intent } satisfies ActionReply;
    }
    if (intent === "remove-code") {
      await removeDiscountCode({ orderId, buyerId: user.id });
      return { intent } satisfies ActionReply;
    }
    if (intent === "pay") {
      const { redirectTo } = await startPayment({ orderId, buyerId: user.id });
      return redirect(redirectTo);
    }
    if (intent === "cancel") {
      const { order } = await checkoutState(orderId, user.id);
      await releaseOrder(order.id, "CANCELLED");
      return redirect(`/races/${order.race.slug}`);
    }
    return data<ActionReply>({ intent, error: "Choose what to do." }, { status: 400 });
  } catch (error) {
    if (error instanceof CheckoutError) return fail(intent, error);
    throw error;
  }
}

function useCountdown(until: Date | string | null) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!until) return null;
  const left = Math.max(0, new Date(until).getTime() - now);
  return { expired: left === 0, text: `${Math.floor(left / 60_000)}:${String(Math.floor((left % 60_000) / 1000)).padStart(2, "0")}` };
}

export default function CheckoutPage() {
  const { order, waiver, appliedCode, buyer } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as ActionReply | undefined;
  const navigation = useNavigation();
  const countdown = useCountdown(order.status === "PENDING" ? order.holdExpiresAt : null);
  const pending = order.status === "PENDING";
  const complete = order.tickets.every((t) => t.saved?.signedCurrent);
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6">
      <div>
        <p className="text-sm text-slate-600">Registering for</p>
        <h1 className="text-2xl font-bold">{order.race.name}</h1>
        <p className="text-sm text-slate-700">{formatInZone(order.race.startsAt, order.race.timeZone)}</p>
      </div>
      {pending ? (
        <p role="timer" aria-live="off" className="sticky top-0 z-10 rounded-lg bg-brand-50 p-3 text-sm text-brand-700 shadow-sm">
          {countdown?.expired ? "Your hold has run out; the places are being released." : `Your places are held for ${countdown?.text ?? ""}.`}
        </p>
      ) : (
        <Card>
          <p>{order.status === "EXPIRED" ? "Your hold ran out and the places were released." : order.status === "CANCELLED" ? "You cancelled this checkout." : "This order is complete."}</p>
          <Link to={order.status === "PAID" ? `/orders/${order.id}` : `/races/${order.race.slug}`} className="mt-3 inline-block font-medium text-brand-700 underline">
            {order.status === "PAID" ? "See your order" : "Start again"}
          </Link>
        </Card>
      )}
      {pending
        ? order.tickets.map((ticket, index) => (
            <Card key={ticket.id}>
              <ParticipantForm
                ticketId={ticket.id}
                position={index + 1}
                ticketTypeName={ticket.ticketType.name}
                standardFields={order.race.standardFields}
                questions={order.race.questions}
                waiver={waiver}
                guardianUnderAge={order.race.guardianUnderAge}
                saved={ticket.saved?.signedCurrent ? (ticket.saved as never) : null}
                buyer={buyer}
                lastResult={reply?.intent === "participant" && reply.ticketId === ticket.id ? reply.result : undefined}
              />
            </Card>
          ))
        : null}
      <Card>
        <h2 className="font-semibold">Order summary</h2>
        <ul className="mt-3 divide-y divide-slate-200">
          {order.tickets.map((ticket, index) => (
            <li key={ticket.id} className="flex justify-between py-2 text-sm">
              <span>{`Participant ${index + 1}: ${ticket.ticketType.name}`}</span>
              <span>{formatMoney(ticket.priceMinor, order.currency)}</span>
            </li>
          ))}
        </ul>
        <dl className="mt-3 grid grid-cols-[1fr_auto] gap-y-1 border-t border-slate-200 pt-3 text-sm" data-testid="order-summary">
          <dt>Subtotal</dt>
          <dd>{formatMoney(order.subtotalMinor, order.currency)}</dd>
          <dt>{appliedCode ? `Discount (${appliedCode})` : "Discount"}</dt>
          <dd>{`−${formatMoney(order.discountMinor, order.currency)}`}</dd>
          <dt>{order.race.taxMode === "STRIPE_TAX" ? "Tax (calculated at payment)" : "Tax"}</dt>
          <dd>{formatMoney(order.taxMinor, order.currency)}</dd>
          <dt>Fees</dt>
          <dd>{formatMoney(0, order.currency)}</dd>
          <dt className="font-semibold">Total</dt>
          <dd className="font-semibold">{formatMoney(order.totalMinor, order.currency)}</dd>
        </dl>
        {pending ? (
          <div className="mt-4 flex flex-col gap-3">
            {appliedCode ? (
              <Form method="post">
                <Button type="submit" name="intent" value="remove-code" variant="ghost">
                  {`Remove code ${appliedCode}`}
                </Button>
              </Form>
            ) : (
              <Form method="post" className="flex flex-wrap items-end gap-2">
                <div className="flex-1">
                  <Field
                    id="discount-code"
                    name="code"
                    label="Discount code"
                    autoComplete="off"
                    errors={reply?.intent === "apply-code" && reply.error ? [reply.error] : undefined}
                  />
                </div>
                <Button type="submit" name="intent" value="apply-code" variant="secondary">
                  Apply code
                </Button>
              </Form>
            )}
            <FormError id="pay-error" errors={reply?.intent === "pay" && reply.error ? [reply.error] : undefined} />
            <Form method="post" className="flex flex-wrap gap-2">
              <Button type="submit" name="intent" value="pay" pending={navigation.formData?.get("intent") === "pay"} pendingLabel="Starting payment…">
                {complete ? `Pay ${formatMoney(order.totalMinor, order.currency)}` : "Continue to payment"}
              </Button>
              <Button type="submit" name="intent" value="cancel" variant="ghost">
                Cancel and release the places
              </Button>
            </Form>
          </div>
        ) : null}
      </Card>
    </div>
  );
}

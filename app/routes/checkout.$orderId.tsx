import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { SelectField } from "~/components/fields";
import { ParticipantForm } from "~/components/participant-form";
import { Badge, Button, Card, Field, FormError } from "~/components/ui";
import { useEventSource } from "~/components/use-event-source";
import {
  applyDiscountCode,
  assignTicket,
  checkoutState,
  CheckoutError,
  participantFormOfOrder,
  participantFormPath,
  removeDiscountCode,
  requireBuyersOrder,
} from "~/services/checkout.server";
import { startPayment } from "~/services/payments.server";
import { releaseOrder } from "~/services/reservations.server";
import { requireUser } from "~/web/auth.server";
import { formatMoney } from "~/lib/money";
import { submitParticipant, type ParticipantReply } from "~/web/participant-submission.server";
import { formatInZone } from "~/lib/time";
import { discountCodeSchema } from "~/validation/checkout";

export const meta: MetaFunction = () => [{ title: "Checkout · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { order, waiver, appliedCode, members } = await checkoutState(params.orderId ?? "", user.id);
  return {
    order: {
      ...order,
      tickets: order.tickets.map(({ participant, signedWaiverVersionId, ...ticket }) => {
        const signedCurrent = waiver !== null && signedWaiverVersionId === waiver.id;
        return {
          ...ticket,
          assignees: members.filter((m) => m.roomId === ticket.roomId && m.user.id !== user.id).map((m) => m.user),
          assigneeLink: ticket.assignee ? participantFormPath(order.id, ticket.id) : null,
          signedCurrent,
          saved: participant
            ? {
                ...participant,
                dateOfBirth: participant.dateOfBirth?.toISOString().slice(0, 10),
                signedName: signedCurrent ? participant.waiverSignature?.signedName : undefined,
                guardianName: participant.waiverSignature?.guardianName ?? undefined,
              }
            : null,
        };
      }),
    },
    waiver: waiver ? { title: waiver.title, text: waiver.text, version: waiver.version } : null,
    appliedCode,
    buyer: { name: user.name, email: user.email },
  };
}

type ActionReply = ParticipantReply;

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
      const race = await participantFormOfOrder(orderId);
      return await submitParticipant({ request, formData, orderId, userId: user.id, race });
    }
    if (intent === "assign") {
      const ticketId = String(formData.get("ticketId") ?? "");
      const assigneeId = String(formData.get("assigneeId") ?? "") || null;
      try {
        await assignTicket({ orderId, buyerId: user.id, ticketId, assigneeId });
      } catch (error) {
        if (error instanceof CheckoutError) return fail(intent, error, { ticketId });
        throw error;
      }
      return { intent, ticketId } satisfies ActionReply;
    }
    if (intent === "apply-code") {
      const parsed = discountCodeSchema.safeParse(Object.fromEntries(formData));
      if (!parsed.success) return data<ActionReply>({ intent, error: parsed.error.issues[0]!.message }, { status: 400 });
      await applyDiscountCode({ orderId, buyerId: user.id, code: parsed.data.code });
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

type CheckoutTicket = ReturnType<typeof useLoaderData<typeof loader>>["order"]["tickets"][number];

/** Rendered while room members still have forms to fill: re-reads the page whenever the order changes. */
function RefreshWhenMembersSave({ orderId }: { orderId: string }) {
  const revalidator = useRevalidator();
  const seenFirst = useRef(false);
  useEventSource(`/orders/${orderId}/live`, {
    snapshot: () => {
      // The first snapshot only confirms the link; later ones mean something changed.
      if (seenFirst.current) revalidator.revalidate();
      seenFirst.current = true;
    },
  });
  return null;
}

function AssignTicket({ ticket, position, reply }: { ticket: CheckoutTicket; position: number; reply: ActionReply | undefined }) {
  const navigation = useNavigation();
  const id = `assignee-${ticket.id}`;
  const errors = reply?.intent === "assign" && reply.ticketId === ticket.id && reply.error ? [reply.error] : undefined;
  return (
    <Form method="post" className="mb-4 flex flex-wrap items-end gap-2 border-b border-slate-200 pb-4">
      <input type="hidden" name="intent" value="assign" />
      <input type="hidden" name="ticketId" value={ticket.id} />
      <div className="flex-1">
        <SelectField
          id={id}
          name="assigneeId"
          label={`Who fills in participant ${position}?`}
          hint="A room member gets an email with a link to fill in their own details and sign the waiver."
          defaultValue={ticket.assignee?.id ?? ""}
          errors={errors}
          options={[{ value: "", label: "Me" }, ...ticket.assignees.map((m) => ({ value: m.id, label: m.name }))]}
        />
      </div>
      <Button type="submit" variant="secondary" pending={navigation.formData?.get("intent") === "assign" && navigation.formData.get("ticketId") === ticket.id} pendingLabel="Saving…">
        Save who fills it in
      </Button>
    </Form>
  );
}

function AssignedTicketState({ name, done, link, position, typeName }: { name: string; done: boolean; link: string | null; position: number; typeName: string }) {
  return (
    <div className="flex flex-col gap-2" data-testid="assigned-ticket">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-lg font-semibold">{`Participant ${position}: ${typeName}`}</h3>
        {done ? <Badge tone="good">{`Filled in and signed by ${name}`}</Badge> : <Badge tone="warn">{`Waiting for ${name}`}</Badge>}
      </div>
      {done ? null : (
        <p className="text-sm text-slate-700">
          {`${name} fills in their own details and signs the waiver. We emailed them their link`}
          {link ? (
            <>
              {": "}
              <a className="font-medium text-brand-700 underline" href={link}>
                {link}
              </a>
            </>
          ) : null}
          {". This page updates when they are done."}
        </p>
      )}
    </div>
  );
}

export default function CheckoutPage() {
  const { order, waiver, appliedCode, buyer } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as ActionReply | undefined;
  const navigation = useNavigation();
  const countdown = useCountdown(order.status === "PENDING" ? order.holdExpiresAt : null);
  const pending = order.status === "PENDING";
  const complete = order.tickets.every((t) => t.signedCurrent);
  const waitingForMembers = pending && order.tickets.some((t) => t.assignee && !t.signedCurrent);
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6">
      {waitingForMembers ? <RefreshWhenMembersSave orderId={order.id} /> : null}
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
              {ticket.assignees.length ? <AssignTicket ticket={ticket} position={index + 1} reply={reply} /> : null}
              {ticket.assignee ? (
                <AssignedTicketState name={ticket.assignee.name} done={ticket.signedCurrent} link={ticket.assigneeLink} position={index + 1} typeName={ticket.ticketType.name} />
              ) : (
                <ParticipantForm
                  ticketId={ticket.id}
                  position={index + 1}
                  ticketTypeName={ticket.ticketType.name}
                  standardFields={order.race.standardFields}
                  questions={order.race.questions}
                  waiver={waiver}
                  guardianUnderAge={order.race.guardianUnderAge}
                  saved={ticket.signedCurrent ? (ticket.saved as never) : null}
                  buyer={buyer}
                  lastResult={reply?.intent === "participant" && reply.ticketId === ticket.id ? reply.result : undefined}
                />
              )}
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

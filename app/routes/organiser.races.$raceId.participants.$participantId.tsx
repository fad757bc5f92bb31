import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { DetailItem } from "~/components/detail-item";
import { Badge, Button, Card, Field, FormError } from "~/components/ui";
import { participantDetail } from "~/presenters/participants.server";
import { updateParticipant } from "~/services/participants.server";
import { orderRefundSummary } from "~/presenters/refunds.server";
import { refundOrder, refundTicket } from "~/services/refunds.server";
import { requireRaceRole } from "~/web/access.server";
import { replyToError } from "~/web/errors.server";
import { formatDateTime, isoDay } from "~/lib/time";
import { formatMoney, toMajorUnits } from "~/lib/money";
import { participantEditSchema } from "~/validation/participants";
import { refundFormSchema } from "~/validation/refunds";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data ? `${data.participant.firstName} ${data.participant.lastName}` : "Participant"} · Startline` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const participant = await participantDetail(race.id, params.participantId ?? "");
  if (!participant) throw new Response("Not found", { status: 404 });
  const order = await orderRefundSummary(race.id, participant.ticket.order.id);
  const url = new URL(request.url);
  const refunded = url.searchParams.get("refunded");
  return {
    race,
    participant,
    order,
    saved: url.searchParams.has("saved"),
    refundNotice:
      refunded === "again"
        ? "This refund had already been made; nothing more was refunded."
        : refunded === "0"
          ? "Cancelled; no money was left to give back. The buyer has been emailed."
          : refunded !== null && /^\d+$/.test(refunded)
            ? `Refund of ${formatMoney(Number(refunded), race.currency)} recorded. The buyer has been emailed.`
            : null,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const participantId = params.participantId ?? "";
  const formData = await request.formData();
  const intent = formData.get("intent");
  if (intent === "refund-ticket" || intent === "refund-order") {
    const participant = await participantDetail(race.id, participantId);
    if (!participant) throw new Response("Not found", { status: 404 });
    const parsed = refundFormSchema(race.currency).safeParse(Object.fromEntries(formData));
    if (!parsed.success) return data({ intent, error: parsed.error.issues.map((i) => i.message).join(" ") } as const, { status: 400 });
    try {
      const outcome =
        parsed.data.intent === "refund-ticket"
          ? await refundTicket({ raceId: race.id, ticketId: participant.ticket.id, actorId: user.id })
          : await refundOrder({
              raceId: race.id,
              orderId: participant.ticket.order.id,
              actorId: user.id,
              amountMinor: parsed.data.amount,
              expectedRefundedMinor: parsed.data.expectedRefundedMinor,
            });
      return redirect(`/organiser/races/${race.id}/participants/${participantId}?refunded=${outcome.applied ? outcome.amountMinor : "again"}`);
    } catch (error) {
      return replyToError(error, { intent });
    }
  }
  const submission = parseWithZod(formData, { schema: participantEditSchema });
  if (submission.status !== "success") return data({ intent: "edit" as const, result: submission.reply() }, { status: 400 });
  try {
    await updateParticipant({ organisationId: race.organisationId, raceId: race.id, participantId, actorId: user.id, input: submission.value });
  } catch (error) {
    return replyToError(error, { intent: "edit" as const, submission });
  }
  return redirect(`/organiser/races/${race.id}/participants/${participantId}?saved=1`);
}

const ticketLabel = { ISSUED: "Ticket issued", HELD: "Checkout in progress", REFUNDED: "Refunded", CANCELLED: "Cancelled" } as const;

export default function ParticipantPage() {
  const { race, participant: p, order, saved, refundNotice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const refundError = actionData && actionData.intent !== "edit" ? actionData : null;
  const lastResult = actionData?.intent === "edit" ? actionData.result : undefined;
  const navigation = useNavigation();
  const submittingIntent = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const ticketRefundMinor = order ? Math.min(p.ticket.priceMinor, order.refundableMinor) : 0;
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "participant-edit",
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: participantEditSchema }),
    defaultValue: {
      firstName: p.firstName,
      lastName: p.lastName,
      email: p.email,
      dateOfBirth: isoDay(p.dateOfBirth),
      gender: p.gender ?? "",
      emergencyName: p.emergencyName ?? "",
      emergencyPhone: p.emergencyPhone ?? "",
      club: p.club ?? "",
      tshirtSize: p.tshirtSize ?? "",
      teamName: p.teamName ?? "",
      bib: p.ticket.bib?.toString() ?? "",
    },
  });
  const signature = p.waiverSignature;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link to={`/organiser/races/${race.id}/participants`} className="text-sm text-brand-700 underline">
          All participants
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <h2 className="text-xl font-bold">
            {p.firstName} {p.lastName}
          </h2>
          <Badge tone={p.ticket.status === "ISSUED" ? "good" : p.ticket.status === "HELD" ? "neutral" : "bad"}>{ticketLabel[p.ticket.status]}</Badge>
          {p.checkedInAt ? <Badge tone="good">Checked in</Badge> : null}
        </div>
      </div>
      {saved || refundNotice ? (
        <p role="status" className="rounded-lg bg-brand-100 p-3 text-sm text-brand-700">
          {refundNotice ?? "Changes saved."}
        </p>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <h3 className="text-lg font-semibold">Ticket</h3>
          <dl className="mt-2 divide-y divide-slate-100">
            <DetailItem label="Ticket type">{p.ticket.ticketType.name}</DetailItem>
            <DetailItem label="Bib">{p.ticket.bib ?? "Not assigned"}</DetailItem>
            <DetailItem label="Bought by">
              {p.ticket.order.buyerName} ({p.ticket.order.buyerEmail})
            </DetailItem>
            <DetailItem label="Paid">{p.ticket.order.paidAt ? formatDateTime(p.ticket.order.paidAt, race.timeZone) : "Not paid"}</DetailItem>
            <DetailItem label="Checked in">
              {p.checkedInAt ? `${formatDateTime(p.checkedInAt, race.timeZone)} by ${p.checkedInByName ?? "a former team member"}` : "Not yet"}
            </DetailItem>
          </dl>
          {order && p.ticket.status === "ISSUED" && (order.canRefund || order.status === "REFUNDED") ? (
            <Form
              method="post"
              className="mt-4 flex flex-col gap-2"
              onSubmit={(event) => {
                const question =
                  ticketRefundMinor > 0
                    ? `Refund this ticket? ${formatMoney(ticketRefundMinor, order.currency)} goes back to the buyer, the ticket is cancelled and its place is released.`
                    : "Cancel this ticket? Nothing is left to refund on its order; the place is released.";
                if (!confirm(question)) event.preventDefault();
              }}
            >
              <input type="hidden" name="intent" value="refund-ticket" />
              <FormError id="refund-ticket-error" errors={refundError?.intent === "refund-ticket" ? [refundError.error] : undefined} />
              <div>
                <Button type="submit" variant="secondary" pending={submittingIntent === "refund-ticket"} pendingLabel="Refunding…">
                  {ticketRefundMinor > 0 ? `Refund this ticket (${formatMoney(ticketRefundMinor, order.currency)})` : "Cancel this ticket (nothing left to refund)"}
                </Button>
              </div>
            </Form>
          ) : null}
        </Card>
        <Card>
          <h3 className="text-lg font-semibold">Waiver</h3>
          {signature ? (
            <dl className="mt-2 divide-y divide-slate-100">
              <DetailItem label="Version signed">
                Version {signature.waiverVersion.version}: {signature.waiverVersion.title}
              </DetailItem>
              <DetailItem label="Content hash">
                <code className="break-all text-xs">{signature.contentHash}</code>
                {signature.contentHash !== signature.waiverVersion.contentHash ? (
                  <span className="mt-1 block text-red-700">This differs from the version&apos;s hash ({signature.waiverVersion.contentHash}).</span>
                ) : null}
              </DetailItem>
              <DetailItem label="Signed name">{signature.signedName}</DetailItem>
              <DetailItem label="Guardian">{signature.guardianName ?? "None (adult participant)"}</DetailItem>
              <DetailItem label="Signed at">{formatDateTime(signature.signedAt, race.timeZone)}</DetailItem>
              <DetailItem label="IP address">{signature.ip ?? "Not recorded"}</DetailItem>
            </dl>
          ) : (
            <p className="mt-2 text-sm text-slate-700">No waiver signed. The participant is asked to sign when they register.</p>
          )}
        </Card>
      </div>
      {order ? (
        <Card>
          <h3 className="text-lg font-semibold">Order and refunds</h3>
          <dl className="mt-2 divide-y divide-slate-100">
            <DetailItem label="Order total">{formatMoney(order.totalMinor, order.currency)}</DetailItem>
            <DetailItem label="Refunded">{formatMoney(order.refundedMinor, order.currency)}</DetailItem>
            <DetailItem label="Refundable">{formatMoney(order.refundableMinor, order.currency)}</DetailItem>
            <DetailItem label="Refunds go">{order.throughStripe ? "Back to the buyer's card through Stripe" : "Recorded here only (no card payment to give back)"}</DetailItem>
          </dl>
          {order.canRefund ? (
            <Form
              method="post"
              className="mt-4 flex flex-col gap-3 sm:max-w-sm"
              onSubmit={(event) => {
                const typed = new FormData(event.currentTarget).get("amount")?.toString().trim();
                const what = typed ? `${typed} ${order.currency}` : `everything left (${formatMoney(order.refundableMinor, order.currency)}) and cancel all tickets of this order`;
                if (!confirm(`Refund ${what}?`)) event.preventDefault();
              }}
            >
              <input type="hidden" name="intent" value="refund-order" />
              <input type="hidden" name="expectedRefundedMinor" value={order.refundedMinor} />
              <Field
                label={`Amount to refund (${order.currency})`}
                name="amount"
                id="refund-amount"
                inputMode="decimal"
                autoComplete="off"
                placeholder={toMajorUnits(order.refundableMinor, order.currency)}
                hint="Leave empty to refund everything left and cancel every ticket of the order. A smaller amount gives money back and keeps the tickets valid."
                errors={refundError?.intent === "refund-order" ? [refundError.error] : undefined}
              />
              <div>
                <Button type="submit" variant="secondary" pending={submittingIntent === "refund-order"} pendingLabel="Refunding…">
                  Refund
                </Button>
              </div>
            </Form>
          ) : (
            <p className="mt-2 text-sm text-slate-700">
              {order.status === "REFUNDED" ? "This order has been fully refunded." : "This order has not been paid, so there is nothing to refund."}
            </p>
          )}
        </Card>
      ) : null}
      <Card>
        <h3 className="text-lg font-semibold">Answers to your questions</h3>
        {p.answers.length ? (
          <dl className="mt-2 divide-y divide-slate-100">
            {p.answers.map((a) => (
              <DetailItem key={a.questionId} label={a.label}>
                {a.answer || "—"}
              </DetailItem>
            ))}
          </dl>
        ) : (
          <p className="mt-2 text-sm text-slate-700">No answers to custom questions.</p>
        )}
      </Card>
      <Card>
        <h3 className="text-lg font-semibold">Edit details</h3>
        <Form method="post" {...getFormProps(form)} className="mt-4 grid gap-4 sm:grid-cols-2">
          <div className="sm:col-span-2">
            <FormError id={form.errorId} errors={form.errors} />
          </div>
          <Field label="First name" autoComplete="off" errors={fields.firstName.errors} {...getInputProps(fields.firstName, { type: "text" })} />
          <Field label="Last name" autoComplete="off" errors={fields.lastName.errors} {...getInputProps(fields.lastName, { type: "text" })} />
          <Field label="Email" autoComplete="off" errors={fields.email.errors} {...getInputProps(fields.email, { type: "email" })} />
          <Field label="Date of birth" errors={fields.dateOfBirth.errors} {...getInputProps(fields.dateOfBirth, { type: "date" })} />
          <Field label="Gender" errors={fields.gender.errors} {...getInputProps(fields.gender, { type: "text" })} />
          <Field label="Club" errors={fields.club.errors} {...getInputProps(fields.club, { type: "text" })} />
          <Field label="Emergency contact name" errors={fields.emergencyName.errors} {...getInputProps(fields.emergencyName, { type: "text" })} />
          <Field label="Emergency contact phone" errors={fields.emergencyPhone.errors} {...getInputProps(fields.emergencyPhone, { type: "tel" })} />
          <Field label="T-shirt size" errors={fields.tshirtSize.errors} {...getInputProps(fields.tshirtSize, { type: "text" })} />
          <Field label="Team name" errors={fields.teamName.errors} {...getInputProps(fields.teamName, { type: "text" })} />
          <Field
            label="Bib number"
            inputMode="numeric"
            hint="Unique in this race. Leave empty to remove the bib."
            errors={fields.bib.errors}
            {...getInputProps(fields.bib, { type: "text" })}
          />
          <div className="sm:col-span-2">
            <Button type="submit" pending={navigation.state === "submitting" && !submittingIntent} pendingLabel="Saving…">
              Save changes
            </Button>
          </div>
        </Form>
      </Card>
    </div>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { ParticipantForm } from "~/components/participant-form";
import { Card, FormError } from "~/components/ui";
import { participantTicketState } from "~/services/checkout.server";
import { requireUser } from "~/web/auth.server";
import { submitParticipant, type ParticipantReply } from "~/web/participant-submission.server";
import { formatInZone } from "~/lib/time";

export const meta: MetaFunction = () => [{ title: "Your participant form · Startline" }];

/** One ticket's participant form and waiver, for the room member it was assigned to (or its buyer). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { ticket, waiver } = await participantTicketState(params.orderId ?? "", params.ticketId ?? "", user.id);
  const { participant } = ticket;
  const signedCurrent = Boolean(participant && participant.waiverSignature?.waiverVersionId === waiver?.id);
  return {
    ticket: { id: ticket.id, typeName: ticket.ticketType.name },
    order: { status: ticket.order.status, holdExpiresAt: ticket.order.holdExpiresAt, buyerName: ticket.order.buyerName },
    race: ticket.order.race,
    saved:
      participant && signedCurrent
        ? {
            ...participant,
            dateOfBirth: participant.dateOfBirth?.toISOString().slice(0, 10),
            signedName: participant.waiverSignature?.signedName,
            guardianName: participant.waiverSignature?.guardianName ?? undefined,
          }
        : null,
    waiver: waiver ? { title: waiver.title, text: waiver.text, version: waiver.version } : null,
    me: { name: user.name, email: user.email },
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const orderId = params.orderId ?? "";
  const { ticket } = await participantTicketState(orderId, params.ticketId ?? "", user.id);
  const formData = await request.formData();
  if (String(formData.get("ticketId") ?? "") !== ticket.id) return data<ParticipantReply>({ intent: "participant", error: "This page is for one ticket only." }, { status: 400 });
  return submitParticipant({ request, formData, orderId, userId: user.id, race: ticket.order.race });
}

export default function AssignedParticipantPage() {
  const { ticket, order, race, saved, waiver, me } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as ParticipantReply | undefined;
  const open = order.status === "PENDING" && (!order.holdExpiresAt || new Date(order.holdExpiresAt) > new Date());
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6">
      <div>
        <p className="text-sm text-slate-600">{`${order.buyerName} is registering you for`}</p>
        <h1 className="text-2xl font-bold">{race.name}</h1>
        <p className="text-sm text-slate-700">{formatInZone(race.startsAt, race.timeZone)}</p>
      </div>
      {open ? (
        <Card>
          <FormError id="participant-page-error" errors={reply?.error ? [reply.error] : undefined} />
          <ParticipantForm
            ticketId={ticket.id}
            position={1}
            ticketTypeName={ticket.typeName}
            standardFields={race.standardFields}
            questions={race.questions}
            waiver={waiver}
            guardianUnderAge={race.guardianUnderAge}
            saved={saved as never}
            buyer={me}
            lastResult={reply?.intent === "participant" ? reply.result : undefined}
          />
          {saved ? <p className="mt-4 text-sm text-slate-700">{`Saved. ${order.buyerName} can pay once everyone has filled in their form.`}</p> : null}
        </Card>
      ) : (
        <Card>
          <p>{order.status === "PAID" ? "This registration is complete: you're in." : "This checkout is no longer open. Ask the person registering your room to start again."}</p>
        </Card>
      )}
    </div>
  );
}

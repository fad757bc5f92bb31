import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { DiscountCodeForm } from "~/components/discount-code-form";
import { Card, Notice } from "~/components/ui";
import { discountCode, DiscountCodeError, updateDiscountCode } from "~/services/discounts.server";
import { requireRaceRole } from "~/web/access.server";
import { db } from "~/utils/db.server";
import { toMajorUnits } from "~/lib/money";
import { utcToZonedLocal } from "~/lib/time";
import { discountCodeSchema, withTimesInZone } from "~/validation/discounts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit ${data?.code.code ?? "code"} · Startline` }];

async function loadCode(raceId: string, codeId: string | undefined) {
  const code = codeId ? await discountCode(raceId, codeId) : null;
  if (!code) throw new Response("Not found", { status: 404 });
  return code;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const code = await loadCode(race.id, params.codeId);
  const ticketTypes = await db.ticketType.findMany({
    where: { raceId: race.id, OR: [{ archivedAt: null }, { id: { in: code.ticketTypes.map((t) => t.id) } }] },
    orderBy: { sortOrder: "asc" },
    select: { id: true, name: true },
  });
  const local = (date: Date | null) => (date ? utcToZonedLocal(date, race.timeZone) : "");
  return {
    race,
    ticketTypes,
    code: { id: code.id, code: code.code, redemptionCount: code.redemptionCount },
    defaults: {
      code: code.code,
      kind: code.kind,
      percentOff: code.kind === "PERCENT" ? String(code.amount) : "",
      amountOff: code.kind === "FIXED" ? toMajorUnits(code.amount, race.currency) : "",
      scope: code.ticketTypes.length ? "SOME" : "ALL",
      ticketTypeIds: code.ticketTypes.map((t) => t.id),
      maxRedemptions: code.maxRedemptions === null ? "" : String(code.maxRedemptions),
      perUserLimit: code.perUserLimit === null ? "" : String(code.perUserLimit),
      validFrom: local(code.validFrom),
      validUntil: local(code.validUntil),
    } as const,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const codeId = params.codeId ?? "";
  const submission = parseWithZod(await request.formData(), { schema: discountCodeSchema(race.currency) });
  if (submission.status !== "success") return data({ result: submission.reply(), notice: null }, { status: 400 });
  try {
    const updated = await updateDiscountCode({ raceId: race.id, codeId, actorId: user.id, input: withTimesInZone(submission.value, race.timeZone) });
    if (!updated) throw new Response("Not found", { status: 404 });
    if (updated.changed) return redirect(`/organiser/races/${race.id}/codes`);
    return { result: submission.reply(), notice: "Nothing changed." };
  } catch (error) {
    if (!(error instanceof DiscountCodeError)) throw error;
    const field = error.field === "amount" ? (submission.value.kind === "PERCENT" ? "percentOff" : "amountOff") : error.field;
    return data({ result: submission.reply({ fieldErrors: { [field]: [error.message] } }), notice: null }, { status: error.field === "code" ? 409 : 400 });
  }
}

export default function EditDiscountCodePage() {
  const { race, ticketTypes, code, defaults } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <Card>
      <p className="text-sm">
        <Link to={`/organiser/races/${race.id}/codes`} className="text-brand-700 underline">
          Back to discount codes
        </Link>
      </p>
      <h2 className="mt-2 text-xl font-bold">Edit {code.code}</h2>
      <p className="mt-1 text-sm text-slate-600">
        Used by {code.redemptionCount} {code.redemptionCount === 1 ? "order" : "orders"}, paid or holding it in an open checkout. Changes apply to checkouts from now on.
      </p>
      <div className="mt-4 flex flex-col gap-4">
        <Notice>{actionData?.notice}</Notice>
        <DiscountCodeForm
          id="edit-code"
          intent="update"
          lastResult={actionData?.result}
          defaultValue={defaults}
          currency={race.currency}
          timeZone={race.timeZone}
          ticketTypes={ticketTypes}
          submitLabel="Save changes"
          pending={navigation.state === "submitting"}
        />
      </div>
    </Card>
  );
}

import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { DiscountCodeForm } from "~/components/discount-code-form";
import { Badge, Button, Card, Notice, Pagination } from "~/components/ui";
import { discountCodeState } from "~/lib/discount-rules";
import { createDiscountCode, DiscountCodeError, listDiscountCodes, setDiscountCodeActive } from "~/services/discounts.server";
import { requireRaceRole } from "~/web/access.server";
import { db } from "~/utils/db.server";
import { viewerLocale } from "~/web/locale.server";
import { formatMoney } from "~/lib/money";
import { formatInZone } from "~/lib/time";
import { codeActiveSchema, discountCodeSchema, withTimesInZone } from "~/validation/discounts";
import { pageParam } from "~/validation/pagination";

export const meta: MetaFunction = () => [{ title: "Discount codes · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const page = pageParam(request);
  const locale = viewerLocale(request);
  const [codes, ticketTypes] = await Promise.all([
    listDiscountCodes(race.id, page),
    db.ticketType.findMany({ where: { raceId: race.id, archivedAt: null }, orderBy: { sortOrder: "asc" }, select: { id: true, name: true } }),
  ]);
  const now = new Date();
  const when = (date: Date | null) => (date ? formatInZone(date, race.timeZone, locale) : null);
  return {
    race,
    ticketTypes,
    page,
    pageCount: codes.pageCount,
    codes: codes.items.map((code) => ({
      id: code.id,
      code: code.code,
      active: code.active,
      status: discountCodeState(code, now),
      discount: code.kind === "PERCENT" ? `${code.amount}% off` : `${formatMoney(code.amount, race.currency, locale)} off per order`,
      scope: code.ticketTypes.length ? code.ticketTypes.map((t) => t.name).join(", ") : "Every ticket type",
      uses: code.maxRedemptions === null ? `${code.redemptionCount} used (no limit)` : `${code.redemptionCount} / ${code.maxRedemptions} used`,
      perUserLimit: code.perUserLimit,
      validFrom: when(code.validFrom),
      validUntil: when(code.validUntil),
    })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const formData = await request.formData();
  if (formData.get("intent") === "set-active") {
    const parsed = codeActiveSchema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) throw new Response("Bad request", { status: 400 });
    const result = await setDiscountCodeActive({ raceId: race.id, actorId: user.id, ...parsed.data });
    if (!result) throw new Response("Not found", { status: 404 });
    const verb = parsed.data.active ? "reactivated" : "deactivated";
    return { intent: "set-active", result: null, notice: result.changed ? `${result.code} ${verb}.` : `${result.code} was already ${verb}.` };
  }
  const submission = parseWithZod(formData, { schema: discountCodeSchema(race.currency) });
  if (submission.status !== "success") return data({ intent: "create", result: submission.reply(), notice: null }, { status: 400 });
  try {
    const created = await createDiscountCode({ raceId: race.id, actorId: user.id, input: withTimesInZone(submission.value, race.timeZone) });
    return { intent: "create", result: submission.reply({ resetForm: true }), notice: `Code ${created.code} created.` };
  } catch (error) {
    if (!(error instanceof DiscountCodeError)) throw error;
    const field = error.field === "amount" ? (submission.value.kind === "PERCENT" ? "percentOff" : "amountOff") : error.field;
    const result = submission.reply({ fieldErrors: { [field]: [error.message] } });
    return data({ intent: "create", result, notice: null }, { status: error.field === "code" ? 409 : 400 });
  }
}

export default function DiscountCodesPage() {
  const { race, ticketTypes, codes, page, pageCount } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const submitting = navigation.state === "submitting" ? navigation.formData : undefined;
  return (
    <div className="flex flex-col gap-6">
      <Card>
        <h2 className="text-xl font-bold">Discount codes</h2>
        {actionData?.intent === "set-active" ? (
          <div className="mt-3">
            <Notice>{actionData.notice}</Notice>
          </div>
        ) : null}
        {codes.length === 0 ? (
          <p className="mt-4 text-slate-700">No codes yet. Create one below and share it with your club or sponsors.</p>
        ) : (
          <ul className="mt-4 divide-y divide-slate-200">
            {codes.map((code) => (
              <li key={code.id} className="flex flex-col gap-2 py-4 sm:flex-row sm:items-start sm:justify-between">
                <div className="min-w-0">
                  <p className="flex flex-wrap items-center gap-2">
                    <span className="font-mono text-base font-semibold">{code.code}</span>
                    <Badge tone={code.status.tone}>{code.status.label}</Badge>
                  </p>
                  <p className="text-sm text-slate-700">
                    {code.discount} · {code.scope}
                  </p>
                  <p className="text-sm text-slate-700">
                    {code.uses}
                    {code.perUserLimit !== null ? ` · at most ${code.perUserLimit} per buyer` : null}
                  </p>
                  {code.validFrom || code.validUntil ? (
                    <p className="text-sm text-slate-700">
                      {code.validFrom ? `From ${code.validFrom}` : "From now"} {code.validUntil ? `until ${code.validUntil}` : "with no end"}
                    </p>
                  ) : null}
                </div>
                <div className="flex shrink-0 items-center gap-2">
                  <Link to={`/organiser/races/${race.id}/codes/${code.id}`} className="inline-flex min-h-11 items-center px-2 text-sm font-medium text-brand-700 underline">
                    Edit {code.code}
                  </Link>
                  <Form method="post">
                    <input type="hidden" name="intent" value="set-active" />
                    <input type="hidden" name="codeId" value={code.id} />
                    <input type="hidden" name="active" value={code.active ? "false" : "true"} />
                    <Button type="submit" variant="secondary" pending={submitting?.get("codeId") === code.id} pendingLabel="Saving…">
                      {code.active ? `Deactivate ${code.code}` : `Reactivate ${code.code}`}
                    </Button>
                  </Form>
                </div>
              </li>
            ))}
          </ul>
        )}
        <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?page=${p}`} />
      </Card>
      <Card>
        <h2 className="text-xl font-bold">Create a code</h2>
        <div className="mt-4">
          {actionData?.intent === "create" && actionData.notice ? (
            <div className="mb-4">
              <Notice>{actionData.notice}</Notice>
            </div>
          ) : null}
          <DiscountCodeForm
            id="create-code"
            intent="create"
            lastResult={actionData?.intent === "create" ? actionData.result : undefined}
            currency={race.currency}
            timeZone={race.timeZone}
            ticketTypes={ticketTypes}
            submitLabel="Create code"
            pending={submitting?.get("intent") === "create"}
          />
        </div>
      </Card>
    </div>
  );
}

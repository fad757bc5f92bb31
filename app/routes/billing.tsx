import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useUserFeed } from "~/components/live-feed";
import { Badge, Button, Card, FormError, Notice, Pagination } from "~/components/ui";
import { billingOverview } from "~/presenters/billing.server";
import { billingPortalUrl, startMembership, startPackPurchase } from "~/services/billing.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { viewerLocale } from "~/web/locale.server";
import { formatMoney } from "~/lib/money";
import { billingActionSchema } from "~/validation/billing";
import { pageParam } from "~/validation/pagination";
import { counted } from "~/lib/plural";

export const meta: MetaFunction = () => [{ title: "Credits and billing · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ledgerPage = pageParam(request);
  const purchasesPage = pageParam(request, "purchases");
  return { ledgerPage, purchasesPage, locale: viewerLocale(request), ...(await billingOverview(user.id, { ledgerPage, purchasesPage })) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const submission = parseWithZod(await request.formData(), { schema: billingActionSchema });
  if (submission.status !== "success") return data({ error: "Choose what to buy." }, { status: 400 });
  try {
    const input = submission.value;
    if (input.intent === "buy-pack") return redirect((await startPackPurchase({ userId: user.id, packId: input.packId })).redirectTo);
    if (input.intent === "start-membership") return redirect((await startMembership({ userId: user.id })).redirectTo);
    return redirect(await billingPortalUrl(user.id));
  } catch (error) {
    return replyToError(error);
  }
}

const statusTone = { ACTIVE: "good", PAST_DUE: "warn", CANCELED: "bad", INCOMPLETE: "neutral" } as const;
const statusText = { ACTIVE: "Active", PAST_DUE: "Payment overdue", CANCELED: "Cancelled", INCOMPLETE: "Waiting for payment" } as const;

export default function BillingPage() {
  const { balance, owed, membership, paymentMode, canManageSubscription, packs, plan, ledger, purchases, ledgerPage, purchasesPage, locale } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const feed = useUserFeed();
  const [searchParams] = useSearchParams();
  const returnedFromPayment = searchParams.has("purchase") || searchParams.has("membership");
  const liveBalance = feed?.creditBalance ?? balance;
  const submitting = navigation.state === "submitting" ? navigation.formData?.get("packId") ?? navigation.formData?.get("intent") : null;
  const date = (value: string | Date | null) => (value ? new Date(value).toLocaleDateString(locale, { dateStyle: "medium", timeZone: "UTC" }) : "");
  const hasMembership = membership && (membership.status === "ACTIVE" || membership.status === "PAST_DUE");

  return (
    <div className="flex flex-col gap-6">
      <Card>
        <h1 className="text-2xl font-bold">Credits and billing</h1>
        <p className="mt-2 text-lg" aria-live="polite">
          Balance: <strong data-testid="billing-balance">{counted(liveBalance, "credit")}</strong>
        </p>
        <p className="mt-1 text-sm text-slate-600">Credits pay for AI jobs such as drafting a race description.</p>
        {owed > 0 ? (
          <p className="mt-3 rounded-lg bg-red-100 p-3 text-sm text-red-900" data-testid="billing-owed">
            {`You owe ${counted(owed, "credit")}: a purchase was refunded after its credits were used. AI jobs are paused until it is settled; the credits you buy next settle it first.`}
          </p>
        ) : null}
        {paymentMode === "demo" ? (
          <p className="mt-3 rounded-lg bg-amber-100 p-3 text-sm text-amber-900">Demo payment mode: packs are paid on a demo page and no money moves. Memberships need Stripe.</p>
        ) : null}
        {returnedFromPayment ? (
          <div className="mt-3">
            <Notice>Thank you! Your credits appear here as soon as the payment is confirmed.</Notice>
          </div>
        ) : null}
        <FormError id="billing-error" errors={result ? [result.error] : undefined} />
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Membership</h2>
        {membership ? (
          <dl className="mt-3 grid grid-cols-1 gap-2 text-sm sm:grid-cols-3">
            <div>
              <dt className="text-slate-600">Status</dt>
              <dd>
                <Badge tone={statusTone[membership.status]}>{statusText[membership.status]}</Badge>
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Plan</dt>
              <dd>{membership.plan === plan.id ? plan.name : membership.plan}</dd>
            </div>
            {membership.currentPeriodEnd ? (
              <div>
                <dt className="text-slate-600">{membership.status === "CANCELED" || membership.cancelAtPeriodEnd ? "Ends" : "Renews"}</dt>
                <dd>{date(membership.currentPeriodEnd)}</dd>
              </div>
            ) : null}
          </dl>
        ) : (
          <p className="mt-2 text-slate-700">{`${plan.name}: ${formatMoney(plan.amountMinor, plan.currency, locale)} a month for ${counted(plan.creditsPerPeriod, "credit")} each month (unused credits roll over for one month).`}</p>
        )}
        <div className="mt-4 flex flex-col gap-3 sm:flex-row">
          {!hasMembership && paymentMode === "stripe" ? (
            <Form method="post">
              <input type="hidden" name="intent" value="start-membership" />
              <Button type="submit" className="w-full" pending={submitting === "start-membership"} pendingLabel="Opening checkout…">
                {`Start membership (${formatMoney(plan.amountMinor, plan.currency, locale)} a month)`}
              </Button>
            </Form>
          ) : null}
          {canManageSubscription ? (
            <Form method="post">
              <input type="hidden" name="intent" value="manage-subscription" />
              <Button type="submit" variant="secondary" className="w-full" pending={submitting === "manage-subscription"} pendingLabel="Opening…">
                Manage subscription
              </Button>
            </Form>
          ) : null}
        </div>
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Buy credits</h2>
        <p className="mt-1 text-sm text-slate-600">Pack credits stay valid for 12 months.</p>
        <ul className="mt-4 grid grid-cols-1 gap-3 sm:grid-cols-3">
          {packs.map((pack) => (
            <li key={pack.id} className="flex flex-col gap-2 rounded-xl p-4 ring-1 ring-slate-200">
              <p className="font-semibold">{pack.name}</p>
              <p className="text-sm text-slate-700">{`${counted(pack.credits, "credit")} · ${formatMoney(pack.amountMinor, pack.currency, locale)}`}</p>
              <Form method="post">
                <input type="hidden" name="intent" value="buy-pack" />
                <input type="hidden" name="packId" value={pack.id} />
                <Button type="submit" className="w-full" pending={submitting === pack.id} pendingLabel="Opening checkout…">
                  {`Buy ${counted(pack.credits, "credit")}`}
                </Button>
              </Form>
            </li>
          ))}
        </ul>
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Purchases</h2>
        {purchases.items.length === 0 ? (
          <p className="mt-2 text-slate-700">No purchases yet. Buy a pack above to get started.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200">
            {purchases.items.map((purchase) => (
              <li key={purchase.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                <span>{`${purchase.kind === "PACK" ? "Pack" : "Membership"}: ${counted(purchase.credits, "credit")}`}</span>
                <span>
                  {formatMoney(purchase.amountMinor, purchase.currency, locale)}
                  {purchase.refundedMinor > 0 ? ` (${formatMoney(purchase.refundedMinor, purchase.currency, locale)} refunded)` : ""}
                </span>
                <span className="text-slate-600">{date(purchase.paidAt ?? purchase.createdAt)}</span>
                <Badge tone={purchase.status === "PAID" ? "good" : "neutral"}>{purchase.status.toLowerCase()}</Badge>
              </li>
            ))}
          </ul>
        )}
        <Pagination page={purchasesPage} pageCount={purchases.pageCount} hrefFor={(p) => `?purchases=${p}&page=${ledgerPage}`} />
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Credit history</h2>
        {ledger.items.length === 0 ? (
          <p className="mt-2 text-slate-700">No credit movements yet.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200">
            {ledger.items.map((entry) => (
              <li key={entry.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                <span>{entry.description}</span>
                <span className={entry.amount < 0 ? "text-red-700" : "text-brand-700"}>
                  {entry.amount > 0 ? `+${entry.amount}` : entry.amount}
                  {entry.debtChange > 0 ? ` (+${entry.debtChange} owed)` : entry.debtChange < 0 ? ` (${-entry.debtChange} owed settled)` : ""}
                </span>
                <span className="text-slate-600">
                  {date(entry.createdAt)}
                  {entry.expiresAt ? ` · expires ${date(entry.expiresAt)}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
        <Pagination page={ledgerPage} pageCount={ledger.pageCount} hrefFor={(p) => `?page=${p}&purchases=${purchasesPage}`} />
      </Card>
    </div>
  );
}

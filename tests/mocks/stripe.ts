import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Stripe from "stripe";

/**
 * A local stand-in for the parts of Stripe's API that Startline calls, answering with the JSON shapes of
 * the real API (objects, list envelopes, `{ error: { type, code, message, param } }`, idempotent replays).
 * The app reaches it through STRIPE_API_BASE like it reaches Stripe, so the production code path is the same.
 * It also signs webhook payloads exactly as Stripe does, with the SDK's own test helper.
 */

export type RecordedRequest = {
  method: string;
  path: string;
  params: Record<string, unknown>;
  idempotencyKey: string | undefined;
  stripeAccount: string | undefined;
  /** When it arrived (ms since epoch). */
  at: number;
};

type StripeAccountJson = Record<string, unknown> & {
  id: string;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
};

type SubscriptionJson = Record<string, unknown> & {
  id: string;
  customer: string;
  status: string;
  cancel_at_period_end: boolean;
  metadata: Record<string, string>;
  items: {
    object: "list";
    data: {
      id: string;
      object: "subscription_item";
      current_period_start: number;
      current_period_end: number;
      price: { currency: string; unit_amount: number; product_name: string; recurring: { interval: string } };
    }[];
  };
};

type PaymentJson = {
  paymentIntentId: string;
  chargeId: string;
  amount: number;
  currency: string;
  amountRefunded: number;
  created: number;
  metadata: Record<string, string>;
  /** The connected account a direct charge was made on (its session was created with `Stripe-Account`); null on the platform. */
  account: string | null;
  /**
   * A destination charge: the connected account the whole amount was transferred to, the platform's fee, and the
   * payment (`py_…`) the transfer created on the connected account.
   */
  connect: { destination: string; transferId: string; destinationPaymentId: string; applicationFeeId: string | null; applicationFeeAmount: number; transferReversed: number; feeRefunded: number } | null;
};

type StoredRefund = {
  id: string;
  object: "refund";
  amount: number;
  charge: string;
  payment_intent: string;
  status: string;
  transfer_reversal: string | null;
  failure_reason?: string;
  failure_balance_transaction?: string;
  [field: string]: unknown;
};

/**
 * A scripted failure of the double: an error status (with `Retry-After` seconds for a 429), a request left hanging
 * (answered 500 after `hangMs` if the client still waits), or a slow answer (the real answer after `delayMs`).
 */
export type StripeFault = { status: 429 | 500 | 502 | 503; retryAfterSeconds?: number } | { hangMs: number } | { delayMs: number };

/** What a payment is created with: a Checkout Session's `payment_intent_data` (and account), or a test's own. */
export type PaymentOptions = { destination?: string; applicationFeeAmount?: number; metadata?: Record<string, string>; account?: string | null };

const nowSeconds = () => Math.floor(Date.now() / 1000);
const randomId = (prefix: string) => `${prefix}_test_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;

/** Decodes Stripe's form encoding (`metadata[organisationId]=…`, `capabilities[transfers][requested]=true`). */
function parseForm(body: string) {
  const result: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, "").split("[");
    let node = result;
    path.forEach((part, index) => {
      if (index === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return result;
}

function readBody(request: IncomingMessage) {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "Content-Type": "application/json", "Request-Id": randomId("req"), ...headers });
  response.end(JSON.stringify(body));
}

function stripeError(status: number, message: string, extra: Record<string, unknown> = {}) {
  return { status, body: { error: { type: "invalid_request_error", message, ...extra } } };
}

function newAccount(params: Record<string, unknown>): StripeAccountJson {
  const id = randomId("acct").replace("_test_", "_");
  const requested = Object.keys((params.capabilities as Record<string, unknown> | undefined) ?? {});
  const due = ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"];
  return {
    id,
    object: "account",
    type: (params.type as string | undefined) ?? "express",
    business_profile: { mcc: null, name: null, support_email: null, support_phone: null, support_url: null, url: null },
    business_type: null,
    capabilities: Object.fromEntries(requested.map((capability) => [capability, "inactive"])),
    charges_enabled: false,
    payouts_enabled: false,
    details_submitted: false,
    controller: { type: "application", is_controller: true, stripe_dashboard: { type: "express" } },
    country: "IE",
    created: nowSeconds(),
    default_currency: "eur",
    email: null,
    external_accounts: { object: "list", data: [], has_more: false, total_count: 0, url: `/v1/accounts/${id}/external_accounts` },
    metadata: (params.metadata as Record<string, string> | undefined) ?? {},
    requirements: {
      alternatives: [],
      current_deadline: null,
      currently_due: due,
      disabled_reason: "requirements.past_due",
      errors: [],
      eventually_due: due,
      past_due: due,
      pending_verification: [],
    },
    tos_acceptance: { date: null, ip: null, user_agent: null },
  };
}

/** The platform's fee on a destination charge, as the ApplicationFee object (`amount_refunded` grows with fee refunds). */
function applicationFeeJson(payment: PaymentJson) {
  const connect = payment.connect!;
  return {
    id: connect.applicationFeeId,
    object: "application_fee",
    account: connect.destination,
    amount: connect.applicationFeeAmount,
    amount_refunded: connect.feeRefunded,
    charge: payment.chargeId,
    created: payment.created,
    currency: payment.currency,
    livemode: false,
    originating_transaction: null,
    refunded: connect.feeRefunded >= connect.applicationFeeAmount,
  };
}

/**
 * The Charge object of a payment, as Stripe returns it (API versions since 2022-11-15 leave `refunds` out).
 * `expand` may name `application_fee` (as `charge.application_fee` does on a refund).
 */
function chargeJson(payment: PaymentJson, expand: string[] = []) {
  const connect = payment.connect;
  return {
    id: payment.chargeId,
    object: "charge",
    amount: payment.amount,
    amount_captured: payment.amount,
    amount_refunded: payment.amountRefunded,
    application_fee: connect?.applicationFeeId ? (expand.includes("application_fee") ? applicationFeeJson(payment) : connect.applicationFeeId) : null,
    application_fee_amount: connect?.applicationFeeId ? connect.applicationFeeAmount : null,
    balance_transaction: randomId("txn").replace("_test_", "_"),
    captured: true,
    created: payment.created,
    currency: payment.currency,
    disputed: false,
    livemode: false,
    metadata: payment.metadata,
    on_behalf_of: null,
    paid: true,
    payment_intent: payment.paymentIntentId,
    refunded: payment.amountRefunded >= payment.amount,
    status: "succeeded",
    transfer: connect?.transferId ?? null,
    transfer_data: connect ? { amount: null, destination: connect.destination } : null,
    transfer_group: connect ? `group_${payment.paymentIntentId}` : null,
  };
}

/**
 * What a destination charge leaves on the connected account: a payment (`py_…`, object "charge") for the transferred
 * amount, with `source_transfer` naming the platform's transfer; transfer reversals show as its refunds.
 */
function destinationPaymentJson(payment: PaymentJson) {
  const connect = payment.connect!;
  const amount = payment.amount - (connect.applicationFeeId ? connect.applicationFeeAmount : 0);
  return {
    id: connect.destinationPaymentId,
    object: "charge",
    amount,
    amount_captured: amount,
    amount_refunded: connect.transferReversed,
    application_fee: null,
    application_fee_amount: null,
    captured: true,
    created: payment.created,
    currency: payment.currency,
    disputed: false,
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    paid: true,
    payment_intent: null,
    refunded: connect.transferReversed >= amount,
    source_transfer: connect.transferId,
    status: "succeeded",
    transfer: null,
    transfer_data: null,
    transfer_group: null,
  };
}

/** A Stripe `created` filter (`created=123` or `created[gte]=…&created[lt]=…`) applied to a Unix time. */
function createdMatches(filter: unknown, created: number) {
  if (filter === undefined) return true;
  if (typeof filter === "string") return created === Number(filter);
  const range = filter as { gt?: string; gte?: string; lt?: string; lte?: string };
  return (
    (range.gt === undefined || created > Number(range.gt)) &&
    (range.gte === undefined || created >= Number(range.gte)) &&
    (range.lt === undefined || created < Number(range.lt)) &&
    (range.lte === undefined || created <= Number(range.lte))
  );
}

/**
 * One page of a list endpoint as Stripe answers it: `{ object: "list", data, has_more, url }`, newest first, `limit`
 * (1–100, default 10) objects after `starting_after` (or before `ending_before`), filtered by `created`.
 */
function listPage<T extends { id: string; created: number }>(newestFirst: T[], params: Record<string, unknown>, url: string): { status: number; body: unknown } {
  const limit = params.limit === undefined ? 10 : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return stripeError(400, "Invalid integer: limit must be between 1 and 100.", { param: "limit" });
  let matching = newestFirst.filter((object) => createdMatches(params.created, object.created));
  const cursor = (params.starting_after ?? params.ending_before) as string | undefined;
  if (cursor !== undefined) {
    const at = matching.findIndex((object) => object.id === cursor);
    if (at === -1) return stripeError(400, `No such object: '${cursor}'`, { code: "resource_missing", param: params.starting_after !== undefined ? "starting_after" : "ending_before" });
    matching = params.starting_after !== undefined ? matching.slice(at + 1) : matching.slice(Math.max(0, at - limit), at);
  }
  return { status: 200, body: { object: "list", data: matching.slice(0, limit), has_more: matching.length > limit, url } };
}

/** The PaymentIntent of a succeeded payment. */
function paymentIntentJson(payment: PaymentJson) {
  const connect = payment.connect;
  return {
    id: payment.paymentIntentId,
    object: "payment_intent",
    amount: payment.amount,
    amount_capturable: 0,
    amount_received: payment.amount,
    application_fee_amount: connect?.applicationFeeId ? connect.applicationFeeAmount : null,
    capture_method: "automatic_async",
    created: payment.created,
    currency: payment.currency,
    latest_charge: payment.chargeId,
    livemode: false,
    metadata: payment.metadata,
    on_behalf_of: null,
    status: "succeeded",
    transfer_data: connect ? { destination: connect.destination } : null,
    transfer_group: connect ? `group_${payment.paymentIntentId}` : null,
  };
}

/** Stripe's share of `total` once `refunded` of a charge of `amount` is refunded: transfer reversals and fee refunds are proportional. */
const proportional = (total: number, refunded: number, amount: number) => Math.round((total * refunded) / amount);

/** Stripe's form encoding sends arrays as `expand[0]=charge`. */
function listParam(value: unknown) {
  if (Array.isArray(value)) return value as string[];
  if (value && typeof value === "object") return Object.values(value as Record<string, string>);
  return typeof value === "string" ? [value] : [];
}

export async function startStripeDouble({ secretKey = "sk_test_startline_double" } = {}) {
  const requests: RecordedRequest[] = [];
  const accounts = new Map<string, StripeAccountJson>();
  const idempotentReplies = new Map<string, { status: number; body: unknown }>();
  const sessions = new Map<string, Record<string, unknown>>();
  const payments = new Map<string, PaymentJson>();
  const customers = new Map<string, Record<string, unknown>>();
  const subscriptions = new Map<string, SubscriptionJson>();
  const invoices = new Map<string, Record<string, unknown>>();
  /** What a session was created with that Stripe keeps but does not echo on the session object. */
  const sessionParams = new Map<string, { lineItems: Record<string, unknown>[]; subscriptionData: Record<string, unknown> | null; paymentIntentData: Record<string, unknown> | null }>();

  /** An invoice of a subscription for the period it pays, shaped like the 2025 API (`parent.subscription_details`, line periods). */
  function subscriptionInvoice(subscription: SubscriptionJson, billingReason: string, paid: boolean) {
    const item = subscription.items.data[0]!;
    const id = randomId("in").replace("_test_", "_");
    const invoice = {
      id,
      object: "invoice",
      customer: subscription.customer,
      currency: item.price.currency,
      amount_due: item.price.unit_amount,
      amount_paid: paid ? item.price.unit_amount : 0,
      amount_remaining: paid ? 0 : item.price.unit_amount,
      attempt_count: 1,
      billing_reason: billingReason,
      status: paid ? "paid" : "open",
      created: nowSeconds(),
      livemode: false,
      period_start: item.current_period_start,
      period_end: item.current_period_start,
      parent: { type: "subscription_details", quote_details: null, subscription_details: { metadata: subscription.metadata, subscription: subscription.id } },
      lines: {
        object: "list",
        has_more: false,
        url: `/v1/invoices/${id}/lines`,
        data: [
          {
            id: randomId("il").replace("_test_", "_"),
            object: "line_item",
            amount: item.price.unit_amount,
            currency: item.price.currency,
            description: `1 × ${item.price.product_name}`,
            period: { start: item.current_period_start, end: item.current_period_end },
            quantity: 1,
          },
        ],
      },
    };
    invoices.set(id, invoice);
    return invoice;
  }

  /** Refund objects as stored (charge and transfer reversal as ids), in creation order. */
  const refunds: StoredRefund[] = [];
  const transferReversals = new Map<string, Record<string, unknown>>();

  /** A refund as the API returns it, with `expand` applied (`charge`, `charge.application_fee`, `transfer_reversal`). */
  function refundJson(refund: StoredRefund, expandParam: unknown) {
    const expand = listParam(expandParam);
    const payment = payments.get(refund.payment_intent)!;
    const chargeExpand = expand.filter((path) => path.startsWith("charge.")).map((path) => path.slice("charge.".length));
    const chargeExpanded = expand.includes("charge") || chargeExpand.length > 0;
    return {
      ...refund,
      charge: chargeExpanded ? chargeJson(payment, chargeExpand) : refund.charge,
      transfer_reversal: refund.transfer_reversal && expand.includes("transfer_reversal") ? transferReversals.get(refund.transfer_reversal) : refund.transfer_reversal,
    };
  }

  function createRefund(params: Record<string, unknown>): { status: number; body: unknown } {
    const paymentIntentId = params.payment_intent as string | undefined;
    if (!paymentIntentId) return stripeError(400, "One of the following params should be provided for this request: payment_intent or charge.", { code: "parameter_missing" });
    const payment = payments.get(paymentIntentId);
    if (!payment) return stripeError(400, `No such payment_intent: '${paymentIntentId}'`, { code: "resource_missing", param: "payment_intent" });
    const connect = payment.connect;
    // Stripe itself would take a destination charge's refund from the platform's balance. The double refuses it, so that
    // no code path can make the platform pay for an organiser's refund without a test noticing.
    if (connect && (params.reverse_transfer !== "true" || (connect.applicationFeeId && params.refund_application_fee !== "true"))) {
      return stripeError(
        400,
        `Charge ${payment.chargeId} is a destination charge to ${connect.destination}: refund it with reverse_transfer=true and refund_application_fee=true, or the platform pays the refund (the Stripe double refuses this).`,
        { param: params.reverse_transfer === "true" ? "refund_application_fee" : "reverse_transfer" },
      );
    }
    const remaining = payment.amount - payment.amountRefunded;
    if (remaining === 0) return stripeError(400, `Charge ${payment.chargeId} has already been refunded.`, { code: "charge_already_refunded" });
    const amount = params.amount === undefined ? remaining : Number(params.amount);
    if (!Number.isInteger(amount) || amount < 1) return stripeError(400, "Invalid positive integer", { code: "parameter_invalid_integer", param: "amount" });
    if (amount > remaining) {
      return stripeError(400, `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, { param: "amount" });
    }
    const before = payment.amountRefunded;
    payment.amountRefunded += amount;
    const id = randomId("re").replace("_test_", "_");
    let transferReversalId: string | null = null;
    if (connect) {
      const reversed = proportional(payment.amount, payment.amountRefunded, payment.amount) - proportional(payment.amount, before, payment.amount);
      connect.transferReversed += reversed;
      connect.feeRefunded = proportional(connect.applicationFeeAmount, payment.amountRefunded, payment.amount);
      transferReversalId = randomId("trr").replace("_test_", "_");
      transferReversals.set(transferReversalId, {
        id: transferReversalId,
        object: "transfer_reversal",
        amount: reversed,
        balance_transaction: randomId("txn").replace("_test_", "_"),
        created: nowSeconds(),
        currency: payment.currency,
        destination_payment_refund: randomId("pyr").replace("_test_", "_"),
        metadata: {},
        source_refund: id,
        transfer: connect.transferId,
      });
    }
    const refund: StoredRefund = {
      id,
      object: "refund",
      amount,
      balance_transaction: randomId("txn").replace("_test_", "_"),
      charge: payment.chargeId,
      created: nowSeconds(),
      currency: payment.currency,
      destination_details: { card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" }, type: "card" },
      metadata: (params.metadata as Record<string, string> | undefined) ?? {},
      payment_intent: paymentIntentId,
      reason: (params.reason as string | undefined) ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: "succeeded",
      transfer_reversal: transferReversalId,
    };
    refunds.push(refund);
    return { status: 200, body: refundJson(refund, params.expand) };
  }

  /** GET /v1/refunds: newest first, filtered by `payment_intent` or `charge`, one page of `limit` (default 10). */
  function listRefunds(params: Record<string, unknown>) {
    const limit = Number(params.limit ?? 10);
    const matching = refunds
      .filter((refund) => (!params.payment_intent || refund.payment_intent === params.payment_intent) && (!params.charge || refund.charge === params.charge))
      .reverse();
    const data = matching.slice(0, limit).map((refund) => refundJson(refund, undefined));
    return { status: 200, body: { object: "list", data, has_more: matching.length > limit, url: "/v1/refunds" } };
  }


  /** Which account a session was created on (`Stripe-Account`); null for the platform. */
  const sessionAccounts = new Map<string, string | null>();

  /** GET /v1/checkout/sessions on an account, newest first; `payment_intent` and `status` filter as Stripe's do. */
  function listCheckoutSessions(params: Record<string, unknown>, account: string | null) {
    const all = [...sessions.values()]
      .filter((session) => (sessionAccounts.get(String(session.id)) ?? null) === account)
      .filter((session) => (params.payment_intent === undefined || session.payment_intent === params.payment_intent) && (params.status === undefined || session.status === params.status))
      .reverse() as (Record<string, unknown> & { id: string; created: number })[];
    return listPage(all, params, "/v1/checkout/sessions");
  }

  /**
   * GET /v1/charges on an account, newest first: the platform's own charges, or on a connected account its direct
   * charges and the payments destination charges transferred to it (with `source_transfer`).
   */
  function listCharges(params: Record<string, unknown>, account: string | null) {
    const all = [...payments.values()]
      .flatMap((payment) => [
        ...(payment.account === account ? [chargeJson(payment)] : []),
        ...(account !== null && payment.connect?.destination === account ? [destinationPaymentJson(payment)] : []),
      ])
      .filter((charge) => params.payment_intent === undefined || charge.payment_intent === params.payment_intent)
      .reverse();
    return listPage(all, params, "/v1/charges");
  }

  function route(method: string, path: string, params: Record<string, unknown>, account: string | null): { status: number; body: unknown } {
    if (method === "POST" && path === "/v1/accounts") {
      const account = newAccount(params);
      accounts.set(account.id, account);
      return { status: 200, body: account };
    }
    const accountPath = /^\/v1\/accounts\/([^/]+)$/.exec(path);
    if (method === "GET" && accountPath) {
      const account = accounts.get(accountPath[1]!);
      if (!account) return stripeError(404, `No such account: '${accountPath[1]}'`, { code: "resource_missing", param: "account" });
      return { status: 200, body: account };
    }
    if (method === "POST" && path === "/v1/account_links") {
      const accountId = params.account as string | undefined;
      if (!accountId) return stripeError(400, "Missing required param: account.", { code: "parameter_missing", param: "account" });
      if (!accounts.has(accountId)) return stripeError(400, `No such account: '${accountId}'`, { code: "resource_missing", param: "account" });
      if (params.type !== "account_onboarding" && params.type !== "account_update") {
        return stripeError(400, "Invalid type: must be one of account_onboarding or account_update", { param: "type" });
      }
      const created = nowSeconds();
      return {
        status: 200,
        body: {
          object: "account_link",
          created,
          expires_at: created + 300,
          url: `https://connect.stripe.com/setup/e/${accountId}/${randomBytes(9).toString("base64url")}`,
        },
      };
    }
    if (method === "POST" && path === "/v1/checkout/sessions") return createCheckoutSession(params, account);
    if (method === "GET" && path === "/v1/checkout/sessions") return listCheckoutSessions(params, account);
    if (method === "GET" && path === "/v1/charges") return listCharges(params, account);
    const sessionPath = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === "GET" && sessionPath) {
      const session = sessions.get(sessionPath[1]!);
      if (!session) return stripeError(404, `No such checkout.session: '${sessionPath[1]}'`, { code: "resource_missing", param: "session" });
      return { status: 200, body: session };
    }
    const expirePath = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path);
    if (method === "POST" && expirePath) return expireCheckoutSession(expirePath[1]!);
    if (method === "POST" && path === "/v1/refunds") return createRefund(params);
    if (method === "GET" && path === "/v1/refunds") return listRefunds(params);
    const refundPath = /^\/v1\/refunds\/([^/]+)$/.exec(path);
    if (method === "GET" && refundPath) {
      const refund = refunds.find((r) => r.id === refundPath[1]);
      if (!refund) return stripeError(404, `No such refund: '${refundPath[1]}'`, { code: "resource_missing", param: "id" });
      return { status: 200, body: refundJson(refund, params.expand) };
    }
    const paymentIntentPath = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === "GET" && paymentIntentPath) {
      const payment = payments.get(paymentIntentPath[1]!);
      if (!payment) return stripeError(404, `No such payment_intent: '${paymentIntentPath[1]}'`, { code: "resource_missing", param: "intent" });
      return { status: 200, body: paymentIntentJson(payment) };
    }
    if (method === "POST" && path === "/v1/customers") {
      const id = randomId("cus").replace("_test_", "_");
      const customer = { id, object: "customer", created: nowSeconds(), email: params.email ?? null, name: params.name ?? null, metadata: params.metadata ?? {}, livemode: false };
      customers.set(id, customer);
      return { status: 200, body: customer };
    }
    const subscriptionPath = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (method === "GET" && subscriptionPath) {
      const subscription = subscriptions.get(subscriptionPath[1]!);
      if (!subscription) return stripeError(404, `No such subscription: '${subscriptionPath[1]}'`, { code: "resource_missing", param: "id" });
      return { status: 200, body: subscription };
    }
    if (method === "POST" && path === "/v1/billing_portal/sessions") {
      const customer = params.customer as string | undefined;
      if (!customer) return stripeError(400, "Missing required param: customer.", { code: "parameter_missing", param: "customer" });
      if (!customers.has(customer)) return stripeError(400, `No such customer: '${customer}'`, { code: "resource_missing", param: "customer" });
      const id = randomId("bps");
      return {
        status: 200,
        body: { id, object: "billing_portal.session", configuration: randomId("bpc"), created: nowSeconds(), customer, livemode: false, locale: null, on_behalf_of: null, return_url: params.return_url ?? null, url: `https://billing.stripe.com/p/session/${id}` },
      };
    }
    return stripeError(404, `Unrecognized request URL (${method}: ${path}).`);
  }

  /** Stripe expires only open sessions; the customer can no longer pay one, and its URL is gone. */
  function expireCheckoutSession(id: string) {
    const session = sessions.get(id);
    if (!session) return stripeError(404, `No such checkout.session: '${id}'`, { code: "resource_missing", param: "session" });
    if (session.status !== "open") {
      return stripeError(400, `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of \`${String(session.status)}\`.`);
    }
    const expired = { ...session, status: "expired", url: null };
    sessions.set(id, expired);
    return { status: 200, body: expired };
  }

  /** Checkout Sessions with Stripe's own validation of the parameters Startline sends. */
  function createCheckoutSession(params: Record<string, unknown>, account: string | null) {
    const lineItems = Object.values((params.line_items as Record<string, Record<string, unknown>> | undefined) ?? {});
    if (lineItems.length === 0) return stripeError(400, "Missing required param: line_items.", { param: "line_items" });
    const expiresAt = Number(params.expires_at);
    const now = nowSeconds();
    if (params.expires_at !== undefined && (expiresAt < now + 30 * 60 || expiresAt > now + 24 * 3600)) {
      return stripeError(400, "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", { param: "expires_at" });
    }
    const mode = (params.mode as string | undefined) ?? "payment";
    if (mode === "subscription") {
      if (params.payment_intent_data) return stripeError(400, "You can not pass `payment_intent_data` in `subscription` mode.", { param: "payment_intent_data" });
      if (lineItems.some((item) => !(item.price_data as Record<string, unknown> | undefined)?.recurring)) {
        return stripeError(400, "You must specify at least one recurring price in `subscription` mode when using prices.", { param: "line_items" });
      }
    } else if (params.subscription_data) {
      return stripeError(400, "You can not pass `subscription_data` in `payment` mode.", { param: "subscription_data" });
    }
    if (params.customer && !customers.has(params.customer as string)) return stripeError(400, `No such customer: '${String(params.customer)}'`, { code: "resource_missing", param: "customer" });
    let amountTotal = 0;
    let currency = "";
    for (const item of lineItems) {
      const priceData = item.price_data as Record<string, unknown> & { product_data?: Record<string, unknown> };
      amountTotal += Number(priceData.unit_amount) * Number(item.quantity ?? 1);
      currency = String(priceData.currency);
    }
    const id = randomId("cs");
    const session = {
      id,
      object: "checkout.session",
      mode,
      status: "open",
      payment_status: "unpaid",
      amount_total: amountTotal,
      amount_subtotal: amountTotal,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      currency,
      client_reference_id: params.client_reference_id ?? null,
      customer_email: params.customer_email ?? null,
      customer: params.customer ?? null,
      subscription: null,
      metadata: params.metadata ?? {},
      expires_at: params.expires_at ? expiresAt : now + 24 * 3600,
      payment_intent: null,
      success_url: params.success_url,
      cancel_url: params.cancel_url,
      url: `https://checkout.stripe.com/c/pay/${id}`,
      created: now,
      livemode: false,
    };
    sessions.set(id, session);
    sessionAccounts.set(id, account);
    sessionParams.set(id, {
      lineItems,
      subscriptionData: (params.subscription_data as Record<string, unknown> | undefined) ?? null,
      paymentIntentData: (params.payment_intent_data as Record<string, unknown> | undefined) ?? null,
    });
    return { status: 200, body: session };
  }

  /** Scripted failures: the next requests matching `method` and `path` get these answers, one step per request. */
  const faults: { method: string; path: RegExp; steps: StripeFault[] }[] = [];
  const faultsAnswered: { method: string; path: string; step: StripeFault; at: number }[] = [];
  /** An outage: while set, every request matching it is answered by the next of its steps, in a cycle. */
  let outage: { method: string; path: RegExp; steps: StripeFault[]; next: number } | null = null;

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://stripe.double");
      const raw = await readBody(request);
      const params = request.method === "GET" ? parseForm(url.searchParams.toString()) : parseForm(raw);
      const idempotencyKey = request.headers["idempotency-key"] as string | undefined;
      requests.push({
        method: request.method ?? "GET",
        path: url.pathname,
        params,
        idempotencyKey,
        stripeAccount: request.headers["stripe-account"] as string | undefined,
        at: Date.now(),
      });
      if (request.headers.authorization !== `Bearer ${secretKey}`) {
        const { status, body } = stripeError(401, "Invalid API Key provided: the double knows only its own key.");
        return send(response, status, body);
      }
      const fault = faults.find((f) => f.steps.length > 0 && f.method === request.method && f.path.test(url.pathname));
      const inOutage = outage && outage.method === request.method && outage.path.test(url.pathname) ? outage : null;
      const step = fault?.steps.shift() ?? (inOutage ? inOutage.steps[inOutage.next++ % inOutage.steps.length] : undefined);
      if (step) faultsAnswered.push({ method: request.method ?? "GET", path: url.pathname, step, at: Date.now() });
      if (step && "delayMs" in step) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      else if (step) {
        if ("hangMs" in step) {
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, step.hangMs);
            response.once("close", () => (clearTimeout(timer), resolve(undefined)));
          });
          if (response.destroyed || response.writableEnded) return;
          return send(response, 500, { error: { type: "api_error", message: "The request took too long (Stripe double hang)." } });
        }
        const body = step.status === 429
          ? { error: { type: "rate_limit_error", code: "rate_limit", message: "Too many requests hit the API too quickly." } }
          : { error: { type: "api_error", message: "An error occurred with our connection to Stripe. Request was retried." } };
        return send(response, step.status, body, step.retryAfterSeconds !== undefined ? { "Retry-After": String(step.retryAfterSeconds) } : {});
      }
      const replayKey = request.method === "POST" && idempotencyKey ? `${url.pathname} ${idempotencyKey}` : undefined;
      const replay = replayKey ? idempotentReplies.get(replayKey) : undefined;
      if (replay) return send(response, replay.status, replay.body, { "Idempotent-Replayed": "true" });
      const reply = route(request.method ?? "GET", url.pathname, params, (request.headers["stripe-account"] as string | undefined) ?? null);
      if (replayKey) idempotentReplies.set(replayKey, reply);
      send(response, reply.status, reply.body);
    })().catch((error: unknown) => send(response, 500, { error: { type: "api_error", message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    /** Value for STRIPE_API_BASE. */
    url: `http://127.0.0.1:${port}`,
    /**
     * The next requests of `method` to a path matching `path` fail as told, one step per request: an HTTP error
     * (500, or 429 with `Retry-After`), or no answer for `hangMs` (the SDK's own timeout decides when it gives up).
     */
    fail(method: string, path: RegExp, steps: StripeFault[]) {
      faults.push({ method, path, steps: [...steps] });
    },
    /**
     * A switch: from now on every request of `method` to a path matching `path` is answered by the next of `steps`
     * (in a cycle: slow, 500, 429 with `Retry-After`, ...) until `endOutage()`. Scripted `fail` steps come first.
     */
    startOutage(method: string, path: RegExp, steps: StripeFault[]) {
      outage = { method, path, steps: [...steps], next: 0 };
    },
    endOutage() {
      outage = null;
    },
    /** Requests the scripted failures answered. */
    faultsAnswered,
    secretKey,
    requests,
    callsTo(method: string, path: string) {
      return requests.filter((request) => request.method === method && request.path === path);
    },
    account(id: string) {
      const account = accounts.get(id);
      if (!account) throw new Error(`the Stripe double has no account ${id}`);
      return account;
    },
    session(id: string) {
      const session = sessions.get(id);
      if (!session) throw new Error(`the Stripe double has no checkout session ${id}`);
      return session;
    },
    /**
     * What Stripe does when the buyer pays: the session completes with a PaymentIntent. A test may also
     * complete a session Startline has expired, to model a payment Stripe took before the expiry reached it.
     */
    completeSession(id: string) {
      const open = this.session(id);
      const intentData = (sessionParams.get(id)?.paymentIntentData ?? {}) as { metadata?: Record<string, string>; application_fee_amount?: string; transfer_data?: { destination?: string } };
      const paymentIntent = this.createPayment(Number(open.amount_total), String(open.currency), {
        metadata: intentData.metadata ?? {},
        ...(intentData.transfer_data?.destination ? { destination: intentData.transfer_data.destination } : {}),
        ...(intentData.application_fee_amount !== undefined ? { applicationFeeAmount: Number(intentData.application_fee_amount) } : {}),
        account: sessionAccounts.get(id) ?? null,
      });
      const session = { ...open, status: "complete", payment_status: "paid", payment_intent: paymentIntent, url: null };
      sessions.set(id, session);
      return session;
    },
    /** What Stripe does when an open session reaches its `expires_at` unpaid. */
    expireSession(id: string) {
      const reply = expireCheckoutSession(id);
      if (reply.status !== 200) throw new Error(`the Stripe double cannot expire ${id}: ${JSON.stringify(reply.body)}`);
      return this.session(id);
    },
    /** What Stripe does when a subscription-mode session is paid: a subscription for its price and a paid first invoice. */
    completeSubscriptionSession(id: string) {
      const open = this.session(id);
      if (open.mode !== "subscription") throw new Error(`session ${id} is not in subscription mode`);
      const created = sessionParams.get(id)!;
      const priceData = created.lineItems[0]!.price_data as Record<string, unknown> & { product_data: { name: string } };
      const start = nowSeconds();
      const subscription: SubscriptionJson = {
        id: randomId("sub").replace("_test_", "_"),
        object: "subscription",
        customer: String(open.customer),
        status: "active",
        cancel_at_period_end: false,
        canceled_at: null,
        created: start,
        livemode: false,
        metadata: (created.subscriptionData?.metadata as Record<string, string> | undefined) ?? {},
        items: {
          object: "list",
          data: [
            {
              id: randomId("si").replace("_test_", "_"),
              object: "subscription_item",
              current_period_start: start,
              current_period_end: start + 30 * 86_400,
              price: { currency: String(priceData.currency), unit_amount: Number(priceData.unit_amount), product_name: priceData.product_data.name, recurring: { interval: "month" } },
            },
          ],
        },
      };
      subscriptions.set(subscription.id, subscription);
      const invoice = subscriptionInvoice(subscription, "subscription_create", true);
      const session = { ...open, status: "complete", payment_status: "paid", subscription: subscription.id, invoice: invoice.id };
      sessions.set(id, session);
      return { session, subscription, invoice };
    },
    subscription(id: string) {
      const subscription = subscriptions.get(id);
      if (!subscription) throw new Error(`the Stripe double has no subscription ${id}`);
      return subscription;
    },
    /** The next billing cycle: a new period and its invoice, paid or (a declined card) left open with the subscription past due. */
    renewSubscription(id: string, { paid }: { paid: boolean }) {
      const subscription = this.subscription(id);
      const item = subscription.items.data[0]!;
      const length = item.current_period_end - item.current_period_start;
      item.current_period_start = item.current_period_end;
      item.current_period_end += length;
      subscription.status = paid ? "active" : "past_due";
      return subscriptionInvoice(subscription, "subscription_cycle", paid);
    },
    /** The customer cancels (in the portal): at the period end, or at once. */
    cancelSubscription(id: string, { atPeriodEnd = false } = {}) {
      const subscription = this.subscription(id);
      if (atPeriodEnd) subscription.cancel_at_period_end = true;
      else Object.assign(subscription, { status: "canceled", canceled_at: nowSeconds() });
      return subscription;
    },
    /** An event about an object of the double, carrying the object as it is now. */
    eventFor(type: string, object: Record<string, unknown>) {
      return stripeEvent(type, structuredClone(object));
    },
    /** What Stripe does when the owner finishes onboarding (or Stripe restricts the account). */
    updateAccount(id: string, changes: Partial<StripeAccountJson>) {
      const account = { ...this.account(id), ...changes };
      accounts.set(id, account);
      return account;
    },
    /**
     * A succeeded card payment, as a completed Checkout Session leaves it; returns its PaymentIntent id. With a
     * `destination` it is a destination charge: the whole amount transferred to that account, less the platform's fee.
     */
    createPayment(amount: number, currency = "eur", { destination, applicationFeeAmount, metadata = {}, account = null }: PaymentOptions = {}) {
      const paymentIntentId = randomId("pi").replace("_test_", "_");
      const connect = destination
        ? {
            destination,
            transferId: randomId("tr").replace("_test_", "_"),
            destinationPaymentId: randomId("py").replace("_test_", "_"),
            applicationFeeId: applicationFeeAmount ? randomId("fee").replace("_test_", "_") : null,
            applicationFeeAmount: applicationFeeAmount ?? 0,
            transferReversed: 0,
            feeRefunded: 0,
          }
        : null;
      payments.set(paymentIntentId, { paymentIntentId, chargeId: randomId("ch").replace("_test_", "_"), amount, currency: currency.toLowerCase(), amountRefunded: 0, created: nowSeconds(), metadata, account, connect });
      return paymentIntentId;
    },
    /** How much of a destination charge went back: the transfer reversed from the organiser and the platform fee returned. */
    connectTotals(paymentIntentId: string) {
      const connect = payments.get(paymentIntentId)?.connect;
      if (!connect) throw new Error(`payment ${paymentIntentId} is not a destination charge`);
      return { transferReversed: connect.transferReversed, applicationFeeRefunded: connect.feeRefunded, applicationFeeAmount: connect.applicationFeeAmount };
    },
    chargeId(paymentIntentId: string) {
      const payment = payments.get(paymentIntentId);
      if (!payment) throw new Error(`the Stripe double has no payment ${paymentIntentId}`);
      return payment.chargeId;
    },
    /** Refund objects created so far (replays not counted), as stored: `charge` and `transfer_reversal` are ids. */
    refunds,
    transferReversal(id: string) {
      return transferReversals.get(id);
    },
    /**
     * What Stripe does when the bank returns a refund (e.g. the card was closed): the refund becomes `failed`, its
     * amount is no longer refunded on the charge, and `charge.refund.updated` is sent with the previous status.
     */
    failRefund(refundId: string, failureReason = "expired_or_canceled_card") {
      const refund = refunds.find((r) => r.id === refundId);
      if (!refund) throw new Error(`the Stripe double has no refund ${refundId}`);
      if (refund.status === "failed") throw new Error(`refund ${refundId} has already failed`);
      const previous = { status: refund.status, failure_reason: null, failure_balance_transaction: null };
      Object.assign(refund, { status: "failed", failure_reason: failureReason, failure_balance_transaction: randomId("txn").replace("_test_", "_") });
      payments.get(refund.payment_intent)!.amountRefunded -= refund.amount;
      return stripeEvent("charge.refund.updated", structuredClone(refund), { previousAttributes: previous });
    },
    /** A refund made outside Startline, e.g. in Stripe's dashboard (which offers to reverse the transfer and fee; this says yes). */
    refundInDashboard(paymentIntentId: string, amount: number) {
      const connect = payments.get(paymentIntentId)?.connect;
      const reply = createRefund({ payment_intent: paymentIntentId, amount: String(amount), ...(connect ? { reverse_transfer: "true", refund_application_fee: "true" } : {}) });
      if (reply.status !== 200) throw new Error(`the Stripe double refused the refund: ${JSON.stringify(reply.body)}`);
      return reply.body;
    },
    /** The `charge.refunded` event Stripe sends after a refund of this payment, with the charge as it is now. */
    chargeRefundedEvent(paymentIntentId: string) {
      const payment = payments.get(paymentIntentId);
      if (!payment) throw new Error(`the Stripe double has no payment ${paymentIntentId}`);
      return stripeEvent("charge.refunded", chargeJson(payment));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type StripeDouble = Awaited<ReturnType<typeof startStripeDouble>>;

/** A webhook event shaped like Stripe's (`object: "event"`, `data.object`, `data.previous_attributes`). */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  { account, previousAttributes, id }: { account?: string; previousAttributes?: Record<string, unknown>; id?: string } = {},
) {
  return {
    id: id ?? randomId("evt").replace("_test_", "_"),
    object: "event",
    ...(account ? { account } : {}),
    api_version: Stripe.API_VERSION,
    created: nowSeconds(),
    data: { object, ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** The `Stripe-Signature` header Stripe would send for this exact body, signed with the SDK's own helper. */
export function signWebhook(payload: string, secret: string, timestampSeconds?: number) {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestampSeconds ? { timestamp: timestampSeconds } : {}) });
}

/** POSTs a payload to the app's webhook endpoint as Stripe does (no cookies, no Origin). */
export function deliverWebhook(appUrl: string, payload: string, signature: string | undefined) {
  return fetch(new URL("/webhooks/stripe", appUrl), {
    method: "POST",
    body: payload,
    headers: { "Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)", ...(signature ? { "Stripe-Signature": signature } : {}) },
  });
}

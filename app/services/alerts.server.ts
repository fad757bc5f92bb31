import type { AlertSeverity, Prisma } from "@prisma/client";
import { operatorAlertEmail } from "~/emails/operator-alert";
import { db, isUniqueViolation } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { createLogger } from "~/utils/logger.server";
import { redis, redisKey } from "~/utils/redis.server";
import { recordEmail, sendQueued } from "./email.server";
import { notify } from "./notifications.server";

/** At most one alert email per kind in this window, so a burst of failures does not flood the operator's inbox. */
export const ALERT_EMAIL_WINDOW_SECONDS = 15 * 60;

async function emailAlert(alert: { kind: string; severity: AlertSeverity; message: string }) {
  const env = getEnv();
  if (!env.ALERT_EMAIL) return;
  const first = await redis.set(redisKey("alert-email", alert.kind), "1", "EX", ALERT_EMAIL_WINDOW_SECONDS, "NX");
  if (first !== "OK") return;
  const { id } = await recordEmail({ to: env.ALERT_EMAIL, ...operatorAlertEmail({ ...alert, appUrl: env.appOrigin }) });
  await sendQueued(id);
}

const log = createLogger({ service: "alerts" });

export type AlertInput = {
  /** Dotted machine name, e.g. `payment.rejected`. */
  kind: string;
  severity: AlertSeverity;
  /** One or two sentences an operator can act on. */
  message: string;
  /** Ids and amounts to follow up with (order, session, payment intent, refund). */
  context?: Prisma.InputJsonObject;
  /** Business key: the same alert raised again (a retried job) is stored and announced once. */
  dedupeKey?: string;
};

/** What operators read of an alert. */
export const alertSelect = { id: true, kind: true, severity: true, message: true, context: true, createdAt: true } as const;

/**
 * Stores an alert and pushes a live notification to every operator. Raising it again with the same
 * dedupe key stores nothing new but repeats the notifications (which are deduplicated per operator), so a
 * job that crashed between the two still tells everyone. `created` is false for a repeat.
 */
export async function raiseAlert(input: AlertInput) {
  let created = true;
  let alert;
  try {
    alert = await db.operatorAlert.create({
      data: { kind: input.kind, severity: input.severity, message: input.message, context: input.context ?? {}, dedupeKey: input.dedupeKey ?? null },
      select: alertSelect,
    });
  } catch (error) {
    if (!input.dedupeKey || !isUniqueViolation(error)) throw error;
    created = false;
    alert = await db.operatorAlert.findUniqueOrThrow({ where: { dedupeKey: input.dedupeKey }, select: alertSelect });
  }
  if (created) {
    log.warn("operator alert raised", { alertId: alert.id, kind: alert.kind, severity: alert.severity, alertMessage: alert.message });
    await emailAlert(alert).catch((error: unknown) => log.error("alert email failed", { alertId: alert.id, error }));
  }
  const operators = await db.user.findMany({ where: { role: "OPERATOR" }, select: { id: true } });
  for (const operator of operators) {
    await notify({
      userId: operator.id,
      kind: "operator.alert",
      title: `Operator alert (${alert.severity.toLowerCase()})`,
      body: alert.message,
      href: "/operator/alerts",
      dedupeKey: `operator-alert:${alert.id}:${operator.id}`,
    });
  }
  return { alert, created };
}

/** Marks an open alert resolved with the operator's note; false when it does not exist or was already resolved. */
export async function resolveAlert({ alertId, operatorId, note }: { alertId: string; operatorId: string; note: string }) {
  const { count } = await db.operatorAlert.updateMany({
    where: { id: alertId, resolvedAt: null },
    data: { resolvedAt: new Date(), resolvedById: operatorId, resolution: note },
  });
  return count > 0;
}

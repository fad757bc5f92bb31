import { link, paragraphs, type EmailContent } from "./email";

/** Sent to ALERT_EMAIL when an operator alert is raised (at most one per alert kind per 15 minutes). */
export function operatorAlertEmail({ kind, severity, message, appUrl }: { kind: string; severity: string; message: string; appUrl: string }): EmailContent {
  const href = `${appUrl}/operator/alerts`;
  return {
    kind: "operator-alert",
    subject: `[Startline ${severity.toLowerCase()}] ${kind}`,
    text: `${message}\n\nOpen alerts: ${href}\n\nFurther alerts of this kind in the next 15 minutes appear on the alerts page but are not emailed.`,
    html: `${paragraphs([message])}<p>${link(href, "Open alerts")}</p><p>Further alerts of this kind in the next 15 minutes appear on the alerts page but are not emailed.</p>`,
  };
}

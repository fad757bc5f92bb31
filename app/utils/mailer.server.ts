import nodemailer from "nodemailer";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/**
 * How long the SMTP transport waits (nodemailer's own defaults go up to 10 minutes): a stuck server fails the
 * attempt, which is retried, well within the claim an attempt holds on an email (services/email.server.ts).
 */
export const SMTP_TIMEOUTS = { dnsTimeout: 10_000, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 15_000 } as const;

/**
 * One nodemailer transport: SMTP when SMTP_URL is set, otherwise a stream transport that renders
 * the message without sending it (the stored EmailMessage row is then the local outbox).
 */
export const mailer = singleton("mailer", () => {
  const env = getEnv();
  const transport = env.SMTP_URL
    ? nodemailer.createTransport({ url: env.SMTP_URL, ...SMTP_TIMEOUTS })
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return { transport, kind: env.SMTP_URL ? ("smtp" as const) : ("outbox" as const) };
});

import nodemailer from "nodemailer";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/**
 * One nodemailer transport: SMTP when SMTP_URL is set, otherwise a stream transport that renders
 * the message without sending it (the stored EmailMessage row is then the local outbox).
 */
export const mailer = singleton("mailer", () => {
  const env = getEnv();
  const transport = env.SMTP_URL
    ? nodemailer.createTransport(env.SMTP_URL)
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return { transport, kind: env.SMTP_URL ? ("smtp" as const) : ("outbox" as const) };
});

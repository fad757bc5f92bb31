import type { Prisma } from "@prisma/client";
import { db } from "~/utils/db.server";
import { paginate } from "./paginate.server";

const outboxRow = { id: true, to: true, subject: true, status: true, transport: true, createdAt: true, sentAt: true } satisfies Prisma.EmailMessageSelect;

/** The local outbox, newest first, paginated. */
export function outboxPage(page: number, pageSize = 20) {
  return paginate({ page, pageSize }, {
    count: () => db.emailMessage.count(),
    rows: (window) => db.emailMessage.findMany({ orderBy: { createdAt: "desc" }, ...window, select: outboxRow }),
  });
}

type StoredAttachment = { contentType?: string; cid?: string; base64?: string };

/**
 * The email's HTML with its inline attachments (`<img src="cid:…">`, e.g. ticket QR codes) as data URLs: a mail
 * client resolves `cid:` from the message's parts, a browser previewing the stored email cannot.
 */
export function withInlineAttachments(html: string, attachments: unknown) {
  const files = Array.isArray(attachments) ? (attachments as StoredAttachment[]) : [];
  return files.reduce((page, file) => {
    if (!file.cid || !file.base64 || !/^image\/(png|jpeg|gif|webp)$/.test(file.contentType ?? "")) return page;
    return page.replaceAll(`src="cid:${file.cid}"`, `src="data:${file.contentType};base64,${file.base64}"`);
  }, html);
}

export async function outboxEmail(id: string) {
  const email = await db.emailMessage.findUnique({
    where: { id },
    select: { id: true, to: true, subject: true, text: true, html: true, attachments: true, status: true, createdAt: true, sentAt: true, error: true },
  });
  if (!email) return null;
  const { attachments, ...rest } = email;
  return { ...rest, html: withInlineAttachments(email.html, attachments) };
}

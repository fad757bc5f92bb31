import { SMTPServer } from "smtp-server";

export type ReceivedMail = { from: string; to: string[]; raw: string; messageId: string | null; at: number };

/**
 * What the server does with the next messages, one step per message (after that it accepts them):
 * reject with an SMTP reply code (4xx: try again later, 5xx: refused), or wait before answering (a slow or
 * hanging server; the client's socket timeout decides when it gives up).
 */
export type SmtpStep = { reject: number; message?: string } | { delayMs: number };

/** A local SMTP server standing in for the real one; optionally slow (to test shutdown) or failing (scripted). */
export async function startSmtpDouble({ delayMs = 0 } = {}) {
  const received: ReceivedMail[] = [];
  const steps: SmtpStep[] = [];
  /** An outage: while set, every message not scripted otherwise gets the next of its steps, in a cycle. */
  let outage: { steps: SmtpStep[]; next: number } | null = null;
  /** Every reply the server gave to a message: 250 for accepted, else the reject code. */
  const replies: number[] = [];
  /** Recipients whose messages are always refused with this code (a mailbox that does not exist: 550). */
  const refusedRecipients = new Map<string, number>();
  /** Messages refused, with their Message-ID and when. */
  const rejected: { messageId: string | null; code: number; at: number }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      const refusal = session.envelope.rcptTo.map((r) => refusedRecipients.get(r.address.toLowerCase())).find((code) => code !== undefined);
      const step = refusal !== undefined ? { reject: refusal } : (steps.shift() ?? (outage ? outage.steps[outage.next++ % outage.steps.length] : undefined));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (step && "reject" in step) {
          replies.push(step.reject);
          rejected.push({ messageId: /^Message-ID:\s*(\S+)/im.exec(Buffer.concat(chunks).toString("utf8"))?.[1] ?? null, code: step.reject, at: Date.now() });
          const error = Object.assign(new Error(step.message ?? (step.reject >= 500 ? "Message refused" : "Try again later")), { responseCode: step.reject });
          return callback(error);
        }
        setTimeout(() => {
          const raw = Buffer.concat(chunks).toString("utf8");
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            messageId: /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? null,
            at: Date.now(),
          });
          replies.push(250);
          callback();
        }, step && "delayMs" in step ? step.delayMs : delayMs);
      });
    },
  });
  // A client that goes away mid-conversation (a worker killed by a resilience scenario) resets its socket; a real
  // SMTP server carries on, and so does this one instead of crashing the test process with an unhandled error.
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    replies,
    rejected,
    /** The next messages follow these steps, one per message. */
    script(next: SmtpStep[]) {
      steps.push(...next);
    },
    /**
     * A switch: from now on every message (not scripted with `script`) gets the next of `steps`, in a cycle (a 421
     * "try again later", a slow answer ...) until `endOutage()`.
     */
    startOutage(next: SmtpStep[]) {
      outage = { steps: [...next], next: 0 };
    },
    endOutage() {
      outage = null;
    },
    /** Every message to `address` is refused with `code` (550: no such mailbox). */
    refuseRecipient(address: string, code = 550) {
      refusedRecipients.set(address.toLowerCase(), code);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmtpDouble = Awaited<ReturnType<typeof startSmtpDouble>>;

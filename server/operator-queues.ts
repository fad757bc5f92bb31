import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Express, Request as ExpressRequest, RequestHandler } from "express";
import { queueNames } from "~/jobs/catalog";
import { getQueue } from "~/jobs/queues.server";
import { recordAudit } from "~/services/audit.server";
import { db } from "~/utils/db.server";
import { createLogger } from "~/utils/logger.server";
import { getUser } from "~/web/auth.server";

export const BULL_BOARD_PATH = "/operator/queues";

const log = createLogger({ process: "web", feature: "bull-board" });

/** The app's own session check on an Express request: the session cookie read as a Remix loader would. */
async function operatorOf(req: ExpressRequest) {
  const request = new Request(`http://localhost${req.originalUrl}`, { headers: { cookie: req.get("cookie") ?? "" } });
  const user = await getUser(request);
  return user?.role === "OPERATOR" ? user : null;
}

/**
 * Bull Board for every queue of the job catalog, under /operator/queues: the same session and the same 404 for
 * everyone but operators as the operator pages, and the CSRF check server/web.ts applies to every request before
 * this. Its actions (retry, promote, clean, remove) are written to the audit log. Its UI styles itself inline, so
 * its pages alone allow inline styles; scripts stay same-origin only.
 */
export function mountOperatorQueues(app: Express) {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: queueNames.map((name) => new BullMQAdapter(getQueue(name))), serverAdapter: adapter, options: { uiConfig: { boardTitle: "Startline queues" } } });

  const operatorsOnly: RequestHandler = (req, res, next) => {
    operatorOf(req)
      .then((operator) => {
        if (!operator) return void res.status(404).type("text/plain").send("Not found");
        res.locals.operatorId = operator.id;
        const csp = res.getHeader("Content-Security-Policy");
        if (typeof csp === "string") res.setHeader("Content-Security-Policy", csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"));
        if (req.method !== "GET" && req.method !== "HEAD") {
          res.on("finish", () => {
            if (res.statusCode >= 400) return;
            recordAudit(db, {
              organisationId: null,
              actorId: operator.id,
              action: "bull_board.action",
              entityType: "queue",
              entityId: req.path.slice(0, 200),
              changes: { method: req.method, status: res.statusCode },
            }).catch((error: unknown) => log.error("auditing a Bull Board action failed", { error }));
          });
        }
        next();
      })
      .catch(next);
  };
  app.use(BULL_BOARD_PATH, operatorsOnly, adapter.getRouter() as RequestHandler);
}

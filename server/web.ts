import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { closeQueues } from "~/jobs/queues.server";
import { subscriptions } from "~/realtime/pubsub.server";
import { forgetLocalClubPresence } from "~/services/club-presence.server";
import { watchPublicRaceChanges } from "~/services/public-races-cache.server";
import { forgetLocalViewers } from "~/services/race-presence.server";
import { rejectCrossSite } from "~/web/csrf.server";
import { closeHoldConnections, closeReadiness, db } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { createLogger, withLogContext } from "~/utils/logger.server";
import { closeRedis } from "~/utils/redis.server";
import { CLIENT_IP_HEADER, type AppLoadContext } from "~/web/request.server";
import { mountHealth } from "./health";
import { mountQueueFeed } from "./live/queue-feed";
import { mountRaceFeed } from "./live/race-feed";
import { mountMetrics } from "./metrics";
import { mountOperatorQueues } from "./operator-queues";
import { remixHandler } from "./remix";
import { mountStripeWebhook } from "./stripe-webhook";
import { limitRequestBody, refusedBody, securityHeaders, serveUploads } from "./security";
import { onlyFilesOf } from "./static";

const log = createLogger({ process: "web", pid: process.pid });

/**
 * Builds the Express app (Vite middleware in development, the production build otherwise) and listens.
 * Nothing connects before this is called; `close()` ends open connections (live feeds reconnect to
 * another process) and releases Postgres, Redis and the queues.
 */
export async function startWeb() {
  const env = getEnv();

  const viteDevServer =
    env.NODE_ENV === "production"
      ? undefined
      : await import("vite").then((vite) => vite.createServer({ server: { middlewareMode: true } }));

  const app = express();
  app.disable("x-powered-by");
  // A hop count or the proxies' addresses only (never `true`): see TRUST_PROXY in env.server.ts.
  app.set("trust proxy", env.TRUST_PROXY);

  // Every log line written for a request carries its id (a proxy's X-Request-Id when it sent a sane one), and the
  // response tells it back, so a support request can be matched to its log lines.
  app.use((req, res, next) => {
    const sent = req.get("x-request-id");
    const requestId = sent && /^[A-Za-z0-9._-]{8,100}$/.test(sent) ? sent : randomUUID();
    res.setHeader("X-Request-Id", requestId);
    withLogContext({ requestId }, next);
  });
  app.use(securityHeaders({ https: env.secureCookies, development: Boolean(viteDevServer) }));
  mountHealth(app);
  mountMetrics(app);

  app.use((req, res, next) => {
    req.headers[CLIENT_IP_HEADER] = req.ip ?? req.socket.remoteAddress ?? "unknown";
    const refusal = rejectCrossSite(
      {
        method: req.method,
        path: req.path,
        origin: req.get("origin"),
        secFetchSite: req.get("sec-fetch-site"),
        host: req.get("host"),
        protocol: req.protocol,
      },
      env.appOrigin,
    );
    if (refusal) {
      log.warn("csrf refused", { path: req.path, reason: refusal });
      res.status(403).type("text/plain").send("This form was sent from another site, so it was refused. Go back to Startline and try again.");
      return;
    }
    next();
  });

  // Race pages and lists are cached once this process hears of every change (ADR 0111); start listening now.
  watchPublicRaceChanges();
  mountRaceFeed(app);
  mountQueueFeed(app);
  mountStripeWebhook(app);
  mountOperatorQueues(app);

  // SSE responses must not be buffered by compression.
  app.use(compression({ filter: (req, res) => !String(res.getHeader("Content-Type") ?? "").includes("text/event-stream") && compression.filter(req, res) }));

  if (viteDevServer) {
    app.use(viteDevServer.middlewares);
  } else {
    app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
    app.use(onlyFilesOf("build/client", express.static("build/client", { maxAge: "1h" })));
  }
  app.use(onlyFilesOf("public", express.static("public", { maxAge: "1h" })));
  app.use("/uploads", serveUploads(env.UPLOAD_DIR));

  const build = viteDevServer
    ? () => viteDevServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
    : ((await import(new URL("../build/server/index.js", import.meta.url).href)) as ServerBuild);

  app.all(
    "*",
    limitRequestBody(),
    remixHandler({
      build,
      mode: env.NODE_ENV,
      getLoadContext(_req, res): AppLoadContext {
        // Under Express, request.signal may not abort when a tab closes (nodejs/node#55428).
        const closed = new AbortController();
        res.on("close", () => closed.abort());
        return {
          responseClosed: closed.signal,
          done: new Set(),
          cspNonce: String(res.locals.cspNonce),
          // Remix writes a streamed body without waiting for "drain"; large downloads pace themselves here.
          whenWritable: () =>
            res.writableNeedDrain && !res.destroyed
              ? new Promise<void>((resolve) => {
                  const done = () => {
                    res.off("drain", done);
                    res.off("close", done);
                    resolve();
                  };
                  res.on("drain", done);
                  res.on("close", done);
                })
              : Promise.resolve(),
        };
      },
    }),
  );
  app.use(refusedBody);

  const onListening = () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : env.PORT;
    const host = !env.listenHost || env.listenHost === "0.0.0.0" || env.listenHost === "::" ? "localhost" : env.listenHost.includes(":") ? `[${env.listenHost}]` : env.listenHost;
    log.info("web listening", { url: `http://${host}:${port}`, host: env.listenHost ?? "all interfaces", mode: env.NODE_ENV, demo: env.DEMO_MODE });
  };
  const server = env.listenHost ? app.listen(env.PORT, env.listenHost, onListening) : app.listen(env.PORT, onListening);
  await once(server, "listening");

  let closing: Promise<void> | undefined;
  async function close() {
    log.info("web shutting down");
    server.close();
    server.closeAllConnections();
    await Promise.all([forgetLocalViewers(), forgetLocalClubPresence()]);
    await Promise.allSettled([subscriptions.close(), closeQueues(), db.$disconnect(), closeReadiness(), closeHoldConnections(), closeRedis(), viteDevServer?.close()]);
  }
  return { close: () => (closing ??= close()) };
}

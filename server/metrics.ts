import type { Express } from "express";
import { getEnv } from "~/utils/env.server";
import { mayScrape, metrics, routePattern } from "~/utils/metrics.server";
import { raceFeedStats } from "./live/race-feed";

/** Times every request but live feeds (they last as long as a page is open; their count is a gauge instead). */
export function mountMetrics(app: Express) {
  app.use((req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on("finish", () => {
      if (String(res.getHeader("Content-Type") ?? "").includes("text/event-stream")) return;
      stop({ method: req.method, route: routePattern(req.path), status: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  });
  app.get("/metrics", async (req, res) => {
    if (!mayScrape({ authorization: req.get("authorization"), remoteAddress: req.socket.remoteAddress, token: getEnv().METRICS_TOKEN })) {
      res.status(404).type("text/plain").send("Not found");
      return;
    }
    // The race-page feeds are served outside liveStream (server/live/race-feed.ts): read their count at scrape time.
    metrics.sseConnections.set({ feed: "/races/:slug/live" }, raceFeedStats().connections);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

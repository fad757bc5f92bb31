import { createRequestHandler, writeReadableStreamToWritable, type ServerBuild } from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import type { AppLoadContext } from "~/web/request.server";

/**
 * Express → Remix, like @remix-run/express's handler, except for the request body: `limitRequestBody`
 * (server/security.ts) has already read it, so its size is known before any route code runs, and Remix gets
 * those bytes instead of the (consumed) request stream.
 */
export function remixHandler({
  build,
  mode,
  getLoadContext,
}: {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: string;
  getLoadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext;
}) {
  const handle = createRequestHandler(build, mode);
  return async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      const response = await handle(fetchRequest(req, res), getLoadContext(req, res));
      await send(res, response);
    } catch (error) {
      next(error);
    }
  };
}

/** The host (with port) the request was addressed to, worked out as @remix-run/express does. */
function requestHost(req: ExpressRequest) {
  const portOf = (host: string | undefined) => Number(/:(\d+)$/.exec(host ?? "")?.[1] ?? Number.NaN);
  const port = [portOf(req.get("x-forwarded-host")), portOf(req.get("host"))].find(Number.isSafeInteger);
  // `req.hostname` follows the "trust proxy" setting.
  return `${req.hostname}${port ? `:${port}` : ""}`;
}

function fetchRequest(req: ExpressRequest, res: ExpressResponse) {
  const url = new URL(`${req.protocol}://${requestHost(req)}${req.originalUrl}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else if (value !== undefined) headers.set(name, value);
  }
  // Loaders and actions stop when the client goes away before the response is written.
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const body: unknown = req.body;
  const bytes = req.method !== "GET" && req.method !== "HEAD" && Buffer.isBuffer(body) ? new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength) : null;
  return new Request(url, { method: req.method, headers, signal: controller.signal, body: bytes });
}

async function send(res: ExpressResponse, response: Response) {
  res.statusMessage = response.statusText;
  res.status(response.status);
  // A route's header replaces the server-wide one (e.g. a stricter Referrer-Policy on a page with a secret in
  // its address); cookies add up.
  for (const [name, value] of response.headers.entries()) {
    if (name === "set-cookie") res.append(name, value);
    else res.setHeader(name, value);
  }
  // Live feeds: send the headers now, not with the first event.
  if (/text\/event-stream/i.test(response.headers.get("Content-Type") ?? "")) res.flushHeaders();
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}

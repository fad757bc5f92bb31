/**
 * Remix's default Node entry (@remix-run/dev's entry.server.node.tsx), plus the request's Content-Security-Policy
 * nonce (docs/decisions/0025-security-headers-and-demo-secrets.md): the Express server puts it in the policy and
 * the load context, and every inline script React and Remix render here carries it.
 */
import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceProvider } from "~/components/nonce";
import { createLogger } from "~/utils/logger.server";
import { cspNonce } from "~/web/request.server";

const log = createLogger({ process: "web" });

/**
 * An error a loader or action threw (Remix answers 500): one JSON line through the app's logger, instead of Remix's
 * default `console.error` of the whole error object with its source-mapped stack. Requests the client gave up on
 * are not errors.
 */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  const path = new URL(request.url).pathname;
  log.error("request failed", { method: request.method, path, error: error instanceof Error ? error : { message: String(error) } });
};

const ABORT_DELAY = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // Bots (and SPA mode) get the whole document at once; browsers get the shell first, then the rest streamed.
  const waitForAll = isbot(request.headers.get("user-agent") ?? "") || remixContext.isSpaMode;
  const nonce = cspNonce(loadContext);
  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const ready = () => {
      shellRendered = true;
      const body = new PassThrough();
      responseHeaders.set("Content-Type", "text/html");
      resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceProvider>,
      {
        nonce,
        ...(waitForAll ? { onAllReady: ready } : { onShellReady: ready }),
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors while rendering the shell reject above and are logged by Remix; log only later ones here.
          if (shellRendered) log.error("render failed", { path: new URL(request.url).pathname, error: error instanceof Error ? error : { message: String(error) } });
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}

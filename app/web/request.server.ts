/**
 * The Express server replaces this header on every request with the address it trusts
 * (server/web.ts), so a client cannot spoof it.
 */
export const CLIENT_IP_HEADER = "x-startline-client-ip";

export function clientIp(request: Request) {
  return request.headers.get(CLIENT_IP_HEADER) ?? "unknown";
}

/** Aborted when the HTTP response closes (a browser tab closed), passed via the load context. */
export type AppLoadContext = {
  responseClosed: AbortSignal;
  /** Resolves once the response can take more bytes (the client keeps up, or the response closed). */
  whenWritable: () => Promise<void>;
  /** What this request already did once (see `firstInRequest`). */
  done: Set<string>;
  /** This response's Content-Security-Policy nonce: inline scripts carry it (app/entry.server.tsx). */
  cspNonce: string;
};

export function cspNonce(context: unknown) {
  return (context as Partial<AppLoadContext> | undefined)?.cspNonce;
}

/**
 * True the first time `what` is asked about in this request. A form posted without JavaScript runs the
 * route's action and then its loaders within one request, on the same context; a limit that both count
 * must count that request once.
 */
export function firstInRequest(context: unknown, what: string) {
  const done = (context as Partial<AppLoadContext> | undefined)?.done;
  if (!done) return true;
  if (done.has(what)) return false;
  done.add(what);
  return true;
}

export function connectionSignal(request: Request, context: unknown) {
  const closed = (context as Partial<AppLoadContext> | undefined)?.responseClosed;
  return closed ? AbortSignal.any([request.signal, closed]) : request.signal;
}

/** Backpressure for a streamed response body; without the Express server (tests, dev tools) never waits. */
export function responseWritable(context: unknown): () => Promise<void> {
  return (context as Partial<AppLoadContext> | undefined)?.whenWritable ?? (() => Promise.resolve());
}

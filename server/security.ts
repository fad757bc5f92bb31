import { randomBytes } from "node:crypto";
import { extname } from "node:path";
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from "express";
import helmet from "helmet";
import { UPLOAD_TYPES } from "~/utils/storage.server";

/** Where Stripe sends a buyer or organiser after a form post redirects there (Checkout, portal, Connect onboarding). */
const STRIPE_PAGES = ["https://checkout.stripe.com", "https://billing.stripe.com", "https://connect.stripe.com"];

function nonceOf(res: Response) {
  return String(res.locals.cspNonce);
}

/**
 * Security headers on every response (docs/decisions/0025-security-headers-and-demo-secrets.md). The
 * Content-Security-Policy allows scripts from this origin and inline scripts carrying this response's nonce
 * (Remix's hydration data and scroll restoration, React's streaming), nothing inline otherwise. Vite's dev
 * server injects styles and talks to its HMR websocket, so development allows those two as well.
 */
export function securityHeaders({ https, development }: { https: boolean; development: boolean }): RequestHandler[] {
  const giveNonce: RequestHandler = (_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  };
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", (_req, res) => `'nonce-${nonceOf(res as Response)}'`],
        styleSrc: development ? ["'self'", "'unsafe-inline'"] : ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: development ? ["'self'", "ws:"] : ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'", ...STRIPE_PAGES],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    // Same-origin navigations keep the full address; other sites learn nothing (checkout and order ids are in paths).
    referrerPolicy: { policy: "same-origin" },
    strictTransportSecurity: https ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true } : false,
    xFrameOptions: { action: "deny" },
  });
  return [giveNonce, headers];
}

/**
 * Uploaded files are served only with a type the upload checked by its bytes (storage.server's `imageType`),
 * `nosniff` (from `securityHeaders`) and a policy that runs nothing even when one is opened on its own: a
 * file of any other kind (HTML, SVG, …) is never served from here.
 */
export function serveUploads(directory: string): RequestHandler[] {
  const onlyCheckedTypes: RequestHandler = (req, res, next) => {
    if (!(extname(req.path).slice(1).toLowerCase() in UPLOAD_TYPES)) {
      res.status(404).type("text/plain").send("Not found");
      return;
    }
    res.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
    next();
  };
  const files = express.static(directory, {
    maxAge: "1d",
    fallthrough: false,
    dotfiles: "deny",
    setHeaders: (res, path) => {
      res.setHeader("Content-Type", UPLOAD_TYPES[extname(path).slice(1).toLowerCase() as keyof typeof UPLOAD_TYPES]);
    },
  });
  return [onlyCheckedTypes, files];
}

const KB = 1024;
const MB = 1024 * KB;

/**
 * How large a request body may be. Stripe's webhook payloads stay under 512 KB; a race cover upload is at most
 * 5 MB plus the form around it; every other form (the longest is a 50,000-character waiver) fits in 1 MB.
 */
export const BODY_LIMITS = { webhook: 512 * KB, upload: 6 * MB, form: 1 * MB } as const;

function describe(bytes: number) {
  return bytes >= MB ? `${bytes / MB} MB` : `${bytes / KB} KB`;
}

/**
 * Reads the body of every request Remix will handle, refusing it with a 413 as soon as it passes its limit
 * (at once when Content-Length says so), before any loader or action runs: a refused request writes nothing.
 * Compressed bodies are refused too (415): no browser or Stripe sends them, and a small one can inflate to any size.
 */
export function limitRequestBody(): RequestHandler {
  const reader = (limit: number) => express.raw({ type: () => true, limit, inflate: false });
  const readers = { webhook: reader(BODY_LIMITS.webhook), upload: reader(BODY_LIMITS.upload), form: reader(BODY_LIMITS.form) };
  return (req, res, next) => {
    const kind = req.path.startsWith("/webhooks/") ? "webhook" : req.is("multipart/form-data") ? "upload" : "form";
    res.locals.bodyLimit = BODY_LIMITS[kind];
    readers[kind](req, res, next);
  };
}

/** The answer to a body `limitRequestBody` refused; any other error goes on to Express. */
export const refusedBody: ErrorRequestHandler = (error: { type?: string; status?: number }, req, res, next) => {
  if (error.type === "entity.too.large") {
    const limit = describe(Number(res.locals.bodyLimit));
    // Do not read the rest of an oversized upload just to throw it away.
    res.setHeader("Connection", "close");
    res
      .status(413)
      .type("text/plain")
      .send(
        req.path.startsWith("/webhooks/")
          ? `Payload too large: webhook bodies are limited to ${limit}.`
          : `This form is too large to send (the limit is ${limit}). Shorten what you typed or choose a smaller file, then try again.`,
      );
    return;
  }
  if (error.type === "encoding.unsupported") {
    res.status(415).type("text/plain").send("Compressed request bodies are not accepted.");
    return;
  }
  next(error);
};

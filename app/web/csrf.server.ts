const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

type RequestFacts = {
  method: string;
  path: string;
  origin: string | undefined;
  secFetchSite: string | undefined;
  host: string | undefined;
  protocol: string;
};

/**
 * CSRF defence on top of SameSite=Lax cookies: a state-changing request must come from our own
 * origin. Browsers send Sec-Fetch-Site and Origin on every cross-site POST; requests with neither
 * come from non-browser clients, which carry no ambient cookies to abuse.
 * Webhooks are exempt: they authenticate with a signature instead.
 */
export function rejectCrossSite(request: RequestFacts, appOrigin: string): string | null {
  if (SAFE_METHODS.has(request.method) || request.path.startsWith("/webhooks/")) return null;
  if (request.secFetchSite && request.secFetchSite !== "same-origin" && request.secFetchSite !== "none") {
    return `cross-site ${request.method} refused (Sec-Fetch-Site: ${request.secFetchSite})`;
  }
  if (request.origin && request.origin !== "null") {
    const ownOrigins = [appOrigin];
    if (request.host) ownOrigins.push(`${request.protocol}://${request.host}`);
    if (!ownOrigins.includes(request.origin)) return `cross-site ${request.method} refused (Origin: ${request.origin})`;
  } else if (request.origin === "null") {
    return `${request.method} from an opaque origin refused`;
  }
  return null;
}

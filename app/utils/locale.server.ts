const FALLBACK_LOCALE = "en-IE";

/**
 * The viewer's preferred locale from Accept-Language, for formatting money and dates. Loaders send it to
 * the page so the server render and the browser format identically.
 */
export function preferredLocale(request: Request) {
  const first = request.headers.get("Accept-Language")?.split(",")[0]?.split(";")[0]?.trim();
  if (!first || first === "*") return FALLBACK_LOCALE;
  try {
    return Intl.getCanonicalLocales(first)[0] ?? FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE;
  }
}

/**
 * The viewer's preferred locale from Accept-Language, used to format dates and money on the server so
 * the page hydrates with the same text in the browser.
 */
export function viewerLocale(request: Request, fallback = "en-IE") {
  const header = request.headers.get("Accept-Language") ?? "";
  for (const part of header.split(",")) {
    const tag = part.split(";")[0]?.trim();
    if (!tag || tag === "*") continue;
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf(tag);
      if (supported) return supported;
    } catch {
      // a malformed tag: try the next one
    }
  }
  return fallback;
}

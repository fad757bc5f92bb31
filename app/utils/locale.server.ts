/** The viewer's preferred locale from Accept-Language, if this runtime supports it; else en-IE. */
export function viewerLocale(request: Request) {
  const preferred = (request.headers.get("Accept-Language") ?? "")
    .split(",")
    .map((part) => part.split(";")[0]!.trim())
    .filter((tag) => tag && tag !== "*");
  for (const tag of preferred) {
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf([tag]);
      if (supported) return supported;
    } catch {
      // A malformed tag: try the next one.
    }
  }
  return "en-IE";
}

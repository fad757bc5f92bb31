/** A tiny cookie-keeping HTTP client that talks to the web process like a same-origin browser form. */
export class Client {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  cookie(name: string) {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string) {
    this.cookies.set(name, value);
  }

  async request(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("Cookie", this.cookieHeader());
    const response = await fetch(new URL(path, this.baseUrl), { redirect: "manual", ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const index = pair!.indexOf("=");
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Posts a form the way a same-origin browser does (with Origin and Sec-Fetch-Site). */
  post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request(path, {
      method: "POST",
      body: new URLSearchParams(fields),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: new URL(this.baseUrl).origin,
        "Sec-Fetch-Site": "same-origin",
        ...headers,
      },
    });
  }
}

export type SseEvent = { event: string; data: unknown };

/** An SSE connection read with fetch: collects parsed events until closed. */
export async function openEventStream(client: Client, path: string) {
  const controller = new AbortController();
  const response = await client.request(path, { signal: controller.signal, headers: { Accept: "text/event-stream" } });
  const events: SseEvent[] = [];
  const waiters: { test: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  const reading = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let split: number;
        while ((split = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data === undefined) continue;
          const parsed = { event, data: JSON.parse(data) as unknown };
          events.push(parsed);
          for (const waiter of [...waiters]) {
            if (waiter.test(parsed)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(parsed);
            }
          }
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    response,
    events,
    next(test: (e: SseEvent) => boolean, timeoutMs = 10_000) {
      const seen = events.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise<SseEvent>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`)), timeoutMs);
        waiters.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    /** Resolves true once the server ends the stream, false if it is still open after `timeoutMs`. */
    endsWithin(timeoutMs: number) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      return Promise.race([
        reading.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

let counter = 0;
export function uniqueEmail(tag = "user") {
  counter += 1;
  return `${tag}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}@example.com`;
}

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for OpenAI's POST /v1/chat/completions, answering with the shapes of the real API:
 * `chat.completion` objects, or with `stream: true` server-sent `chat.completion.chunk` events ending in
 * `data: [DONE]`, and errors as `{ error: { message, type, param, code } }`. The app reaches it through
 * OPENAI_BASE_URL with the official SDK, so the production code path is the same.
 *
 * Behaviour is scripted per prompt: `script(marker, steps)` makes the next requests whose messages contain
 * `marker` fail, hang or answer as told, one step per request; afterwards (and for every other prompt) it
 * answers with a short reply streamed in small chunks.
 */

export type ChatMessage = { role: string; content: string };

export type RecordedChatRequest = {
  model: string;
  stream: boolean;
  messages: ChatMessage[];
  authorization: string | undefined;
  at: number;
};

export type Step =
  /** An API error: 429/5xx are transient, 400/401/403/404 permanent; a 429 says `retry-after: 1` unless told otherwise. */
  | { error: number; message?: string; type?: string; code?: string | null; retryAfterSeconds?: number }
  /** Sends nothing for this long (or until the client gives up): a timeout. */
  | { hangMs: number }
  /** A reply with this text, in chunks of `chunkSize` characters `chunkDelayMs` apart. */
  | { reply: string; chunkSize?: number; chunkDelayMs?: number; finishReason?: "stop" | "length" | "content_filter" };

const errorTypes: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: "invalid_request_error", code: null, message: "Invalid request." },
  401: { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided." },
  403: { type: "invalid_request_error", code: "unsupported_country_region_territory", message: "Country, region, or territory not supported." },
  404: { type: "invalid_request_error", code: "model_not_found", message: "The model does not exist or you do not have access to it." },
  429: { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests. Please try again in 1s." },
  500: { type: "server_error", code: null, message: "The server had an error while processing your request. Sorry about that!" },
  503: { type: "server_error", code: null, message: "The engine is currently overloaded, please try again later." },
};

const randomId = (prefix: string) => `${prefix}-${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(request: IncomingMessage) {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "Content-Type": "application/json", "x-request-id": randomId("req"), ...headers });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, step: Extract<Step, { error: number }>) {
  const known = errorTypes[step.error] ?? { type: "api_error", code: null, message: `HTTP ${step.error}` };
  const retryAfter = step.retryAfterSeconds ?? (step.error === 429 ? 1 : undefined);
  const headers: Record<string, string> = retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {};
  sendJson(response, step.error, { error: { message: step.message ?? known.message, type: step.type ?? known.type, param: null, code: step.code === undefined ? known.code : step.code } }, headers);
}

/** The default answer: deterministic, mentions what was asked, long enough to arrive in several chunks. */
function defaultReply(messages: ChatMessage[]) {
  const last = messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
  // The end of the prompt is what was asked (the notes, the question); the start is context.
  const gist = last.replace(/\s+/g, " ").trim().slice(-80);
  return `Here is a friendly draft for you. It is based on: ${gist}. See you at the start line!`;
}

/** `chunkDelayMs`: the pause between streamed chunks of the default reply (slower makes streaming visible in a browser). */
export async function startOpenAiDouble({ port = 0, chunkDelayMs = 40 }: { port?: number; chunkDelayMs?: number } = {}) {
  const requests: RecordedChatRequest[] = [];
  const scripts: { marker: string; steps: Step[] }[] = [];
  /** An outage: while set, every request not scripted otherwise gets the next of its steps, in a cycle. */
  let outage: { steps: Step[]; next: number } | null = null;
  const faultsAnswered: { step: Step; at: number; prompt: string }[] = [];

  const nextStep = (messages: ChatMessage[]): Step | undefined => {
    const text = messages.map((m) => m.content).join("\n");
    const script = scripts.find((s) => s.steps.length > 0 && text.includes(s.marker));
    const step = script?.steps.shift() ?? (outage ? outage.steps[outage.next++ % outage.steps.length] : undefined);
    if (step && (!("reply" in step) || outage)) faultsAnswered.push({ step, at: Date.now(), prompt: text });
    return step;
  };

  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      if (request.method !== "POST" || path !== "/v1/chat/completions") {
        return sendJson(response, 404, { error: { message: `Unknown request URL: ${request.method} ${path}.`, type: "invalid_request_error", param: null, code: "unknown_url" } });
      }
      const authorization = request.headers.authorization;
      if (!authorization?.startsWith("Bearer ")) return sendError(response, { error: 401, message: "You didn't provide an API key." });
      let body: { model?: string; messages?: ChatMessage[]; stream?: boolean };
      try {
        body = JSON.parse(await readBody(request)) as typeof body;
      } catch {
        return sendError(response, { error: 400, message: "We could not parse the JSON body of your request." });
      }
      if (!body.model || !Array.isArray(body.messages)) return sendError(response, { error: 400, message: "Missing required parameter: 'model' or 'messages'." });
      const messages = body.messages;
      requests.push({ model: body.model, stream: body.stream === true, messages, authorization, at: Date.now() });

      const step = nextStep(messages) ?? { reply: defaultReply(messages), chunkDelayMs };
      if ("error" in step) return sendError(response, step);
      if ("hangMs" in step) {
        await Promise.race([sleep(step.hangMs), new Promise((resolve) => response.once("close", resolve))]);
        if (!response.writableEnded && !response.destroyed) sendError(response, { error: 500 });
        return;
      }

      const id = randomId("chatcmpl");
      const created = Math.floor(Date.now() / 1000);
      const finishReason = step.finishReason ?? "stop";
      const base = { id, created, model: body.model, system_fingerprint: "fp_double", service_tier: "default" };
      if (!body.stream) {
        return sendJson(response, 200, {
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: step.reply, refusal: null, annotations: [] }, logprobs: null, finish_reason: finishReason }],
          usage: { prompt_tokens: 50, completion_tokens: Math.ceil(step.reply.length / 4), total_tokens: 50 + Math.ceil(step.reply.length / 4) },
        });
      }
      response.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", Connection: "keep-alive", "x-request-id": randomId("req") });
      const chunk = (delta: Record<string, unknown>, finish: string | null) =>
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
      response.write(chunk({ role: "assistant", content: "", refusal: null }, null));
      const size = step.chunkSize ?? 8;
      for (let i = 0; i < step.reply.length; i += size) {
        if (response.destroyed) return;
        await sleep(step.chunkDelayMs ?? 40);
        response.write(chunk({ content: step.reply.slice(i, i + size) }, null));
      }
      response.write(chunk({}, finishReason));
      response.end("data: [DONE]\n\n");
    })().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { message: String(error), type: "server_error", param: null, code: null } });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    /** Base address; the app's OPENAI_BASE_URL is this plus `/v1`. */
    url,
    requests,
    /** The next requests whose messages contain `marker` follow these steps, one per request. */
    script(marker: string, steps: Step[]) {
      scripts.push({ marker, steps: [...steps] });
    },
    /**
     * A switch: from now on every request (not scripted with `script`) is answered by the next of `steps`, in a
     * cycle (a 429 with `retryAfterSeconds`, a 500, a hang, a slow reply ...) until `endOutage()`.
     */
    startOutage(steps: Step[]) {
      outage = { steps: [...steps], next: 0 };
    },
    endOutage() {
      outage = null;
    },
    /** Requests answered with a scripted or outage step (errors, hangs; replies only during an outage), with the prompt. */
    faultsAnswered,
    /** Requests whose messages contain `marker`. */
    requestsFor(marker: string) {
      return requests.filter((r) => r.messages.some((m) => m.content.includes(marker)));
    },
    stop() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type OpenAiDouble = Awaited<ReturnType<typeof startOpenAiDouble>>;

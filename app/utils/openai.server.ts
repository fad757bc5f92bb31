import OpenAI from "openai";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/**
 * The one OpenAI client of this process, built from the environment. BullMQ owns retries (with
 * backoff, jitter and a final refund), so the SDK's own retries are off. Null when AI is not configured.
 */
export function openaiClient() {
  const env = getEnv();
  if (!env.OPENAI_API_KEY) return null;
  return singleton("openai-client", () =>
    new OpenAI({
      apiKey: env.OPENAI_API_KEY,
      baseURL: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
      timeout: env.AI_TIMEOUT_MS,
      maxRetries: 0,
    }),
  );
}

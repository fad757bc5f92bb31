import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type Logger as PinoLogger } from "pino";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

type Fields = Record<string, unknown>;

/**
 * What every log line written while handling one request or one job carries: the request id in the web process, the
 * job id (and the Stripe event id, for a payment) in the worker, so one payment can be followed from webhook to
 * fulfilment with a single search. One store per process: server/ and the Remix build each load this module.
 */
const context = singleton("log-context", () => new AsyncLocalStorage<Fields>());

/** Runs `work` with these fields on every log line it writes, on top of the fields already in force. */
export function withLogContext<T>(fields: Fields, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

let root: PinoLogger | undefined;

/** One pino logger per process: JSON lines, info and debug on stdout, warnings and errors on stderr, written synchronously. */
function rootLogger() {
  root ??= pino(
    {
      level: getEnv().LOG_LEVEL,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
    },
    pino.multistream(
      [
        { level: "debug", stream: pino.destination({ fd: 1, sync: true }) },
        { level: "warn", stream: pino.destination({ fd: 2, sync: true }) },
      ],
      { dedupe: true },
    ),
  );
  return root;
}

function serialise(fields: Fields) {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) =>
      value instanceof Error ? [key, { name: value.name, message: value.message, stack: value.stack }] : [key, value],
    ),
  );
}

/** Structured JSON lines, one per event, for web and worker alike; `base` fields go on every line of this logger. */
export function createLogger(base: Fields) {
  const write = (level: "debug" | "info" | "warn" | "error", msg: string, fields: Fields = {}) => {
    rootLogger()[level]({ ...base, ...serialise(fields) }, msg);
  };
  return {
    debug: (msg: string, fields?: Fields) => write("debug", msg, fields),
    info: (msg: string, fields?: Fields) => write("info", msg, fields),
    warn: (msg: string, fields?: Fields) => write("warn", msg, fields),
    error: (msg: string, fields?: Fields) => write("error", msg, fields),
    child: (fields: Fields) => createLogger({ ...base, ...fields }),
  };
}

export type Logger = ReturnType<typeof createLogger>;

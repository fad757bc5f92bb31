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

const LEVEL_MARKS: Record<string, string> = { debug: "·", info: " ", warn: "!", error: "✖" };

/**
 * One JSON line made readable in a terminal: time, process, message, then the other fields as key=value (objects as
 * compact JSON, an error's stack on the lines below).
 */
export function prettyLine(json: string) {
  const { time, level, msg, process: proc, pid: _pid, error, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const clock = typeof time === "string" ? time.slice(11, 19) : "";
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const failure = error as { name?: string; message?: string; stack?: string } | undefined;
  const cause = failure ? ` — ${failure.name ?? "Error"}: ${failure.message ?? ""}` : "";
  const stack = failure?.stack ? `\n${failure.stack.split("\n").slice(1).join("\n")}` : "";
  return `${clock} ${LEVEL_MARKS[String(level)] ?? " "} ${String(proc ?? "").padEnd(6)} ${String(msg)}${cause}${rest ? `  ${rest}` : ""}${stack}\n`;
}

/** A synchronous destination that writes each line as `prettyLine` renders it. */
function prettyDestination(fd: number) {
  const out = pino.destination({ fd, sync: true });
  return { write: (line: string) => out.write(prettyLine(line)) };
}

/**
 * JSON (for log collectors) unless LOG_FORMAT says "pretty"; by default pretty only in development on a terminal.
 * `npm run demo` asks for pretty lines when it runs in a terminal.
 */
function prettyLogs() {
  const { LOG_FORMAT, NODE_ENV } = getEnv();
  return LOG_FORMAT === "pretty" || (LOG_FORMAT === undefined && NODE_ENV !== "production" && Boolean(process.stdout.isTTY));
}

/** One pino logger per process: info and debug on stdout, warnings and errors on stderr, written synchronously. */
function rootLogger() {
  const destination = prettyLogs() ? prettyDestination : (fd: number) => pino.destination({ fd, sync: true });
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
        { level: "debug", stream: destination(1) },
        { level: "warn", stream: destination(2) },
      ],
      { dedupe: true },
    ),
  );
  return root;
}

/** Error codes meaning "the database or Redis is away" (Prisma P1xxx, Postgres shutdown, socket errors): not bugs. */
const UNREACHABLE = /^(P100[12]|P1017|57P0[13]|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE)$/;

/**
 * An error as one compact JSON field. An outage fails every request the same way, so an unreachable dependency is
 * logged without its stack: formatting hundreds of source-mapped stacks a second stalled the web process and flooded
 * its log pipe (docs/decisions/0080-readiness-answers-within-a-second.md). Prisma's multi-line messages are cut to
 * the line that names the cause.
 */
export function describeError(error: Error) {
  // Prisma's driver-adapter errors carry Postgres' code on their cause.
  const { code: ownCode, cause } = error as { code?: unknown; cause?: { originalCode?: unknown; kind?: unknown } };
  const code = ownCode ?? cause?.originalCode ?? (cause?.kind === "DatabaseNotReachable" ? "P1001" : undefined);
  const lines = error.message.split("\n").map((line) => line.trim()).filter(Boolean);
  const unreachable = typeof code === "string" && UNREACHABLE.test(code);
  return {
    name: error.name,
    ...(typeof code === "string" ? { code } : {}),
    message: lines.at(-1) ?? error.name,
    ...(lines.length > 1 ? { during: lines[0] } : {}),
    ...(unreachable ? {} : { stack: error.stack }),
  };
}

function serialise(fields: Fields) {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => (value instanceof Error ? [key, describeError(value)] : [key, value])));
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

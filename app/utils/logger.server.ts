import { getEnv } from "./env.server";

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof levels, "silent">;
type Fields = Record<string, unknown>;

function serialise(fields: Fields) {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) =>
      value instanceof Error ? [key, { name: value.name, message: value.message, stack: value.stack }] : [key, value],
    ),
  );
}

/** Structured JSON lines on stdout, one per event, for web and worker alike. */
export function createLogger(base: Fields) {
  const write = (level: Level, msg: string, fields: Fields = {}) => {
    if (levels[level] < levels[getEnv().LOG_LEVEL]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...serialise(fields) });
    (level === "error" || level === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
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

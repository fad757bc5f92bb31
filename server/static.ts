import type { RequestHandler } from "express";
import { readdirSync } from "node:fs";

/**
 * Hands a request to `serve` (express.static over `dir`) only when its path starts with a file or folder that `dir`
 * held at start-up. Every page request otherwise costs a failed `stat` per static folder before Remix sees it
 * (ADR 0067); the folders are build output and change only with a new build, i.e. a restart.
 */
export function onlyFilesOf(dir: string, serve: RequestHandler): RequestHandler {
  let entries: Set<string>;
  try {
    entries = new Set(readdirSync(dir));
  } catch {
    entries = new Set();
  }
  return (req, res, next) => {
    const first = req.path.split("/", 2)[1] ?? "";
    let name = first;
    try {
      name = decodeURIComponent(first);
    } catch {
      // A malformed escape is not a file name: express.static answers it as before.
    }
    if (entries.has(name)) serve(req, res, next);
    else next();
  };
}

import { loadEnvOrExit } from "~/utils/env.server";

// Validate the configuration before anything else is imported or started: a bad variable must stop the
// process with a message that names it, before any client reads it.
try {
  process.loadEnvFile();
} catch {
  // No .env file: the environment and the defaults apply.
}
loadEnvOrExit("worker");
const { startWorker } = await import("./worker");
const worker = await startWorker();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => void worker.close().then(() => process.exit(0)));
}

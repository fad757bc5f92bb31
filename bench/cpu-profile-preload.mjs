// Loaded with `--import` (NODE_OPTIONS) into a process a benchmark spawns: records a CPU profile from start to exit
// and writes it to $BENCH_PROFILE_FILE (Node refuses --cpu-prof in NODE_OPTIONS).
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  process.once("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}

import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { createInterface } from "node:readline";

/** One open event-stream connection of the benchmark, remembering when it first saw a marker. */
export type SseClient = { seen: Map<string, number>; close: () => void };

/**
 * Opens `count` event streams to `url`, `parallel` at a time, each resolved once its first frame has
 * arrived (the snapshot a page needs). Markers are strings searched for in the received bytes.
 */
export async function openClients(url: string, count: number, markers: () => string[], parallel = 200) {
  const clients: SseClient[] = [];
  let next = 0;
  async function openOne() {
    const seen = new Map<string, number>();
    let req: ClientRequest | undefined;
    await new Promise<void>((resolve, reject) => {
      req = request(url, { agent: false, headers: { Accept: "text/event-stream" } }, (res: IncomingMessage) => {
        if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
        res.setEncoding("utf8");
        let first = true;
        res.on("data", (chunk: string) => {
          const now = performance.now();
          for (const marker of markers()) if (!seen.has(marker) && chunk.includes(marker)) seen.set(marker, now);
          if (first && chunk.includes("event: snapshot")) {
            first = false;
            resolve();
          }
        });
        res.on("error", () => undefined);
      });
      req.on("error", reject);
      req.end();
    });
    clients.push({ seen, close: () => req?.destroy() });
  }
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        next += 1;
        await openOne();
      }
    }),
  );
  return clients;
}

/** Resident memory of a process in bytes (Linux). */
export function rssBytes(pid: number) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.replace(/\D+/g, "") ?? 0) * 1024;
}

/** CPU seconds a process has used so far (user + system; Linux clock ticks are 1/100 s). */
export function cpuSeconds(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The share of one core a process used over `ms` of wall time. */
export async function idleCpuShare(pid: number, ms: number) {
  const before = cpuSeconds(pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (cpuSeconds(pid) - before) / (ms / 1000);
}

/** Waits until every client saw `marker` (or `timeoutMs` passed); returns each one's delay after `since`. */
export async function deliveryDelays(clients: SseClient[], marker: string, since: number, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && clients.some((c) => !c.seen.has(marker))) await new Promise((r) => setTimeout(r, 20));
  return clients.map((c) => (c.seen.has(marker) ? c.seen.get(marker)! - since : Infinity)).sort((a, b) => a - b);
}

/**
 * Broadcast rounds: each round's `change` names the marker every client must see and fires it; returns every
 * delivery delay (sorted) and how many clients never saw their round's marker. Closes the clients afterwards.
 */
export async function broadcastRounds(clients: SseClient[], markers: string[], rounds: number, change: (round: number) => Promise<{ marker: string; fire: () => Promise<unknown> }>, timeoutMs = 60_000) {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const delays: number[] = [];
  let missed = 0;
  for (let round = 1; round <= rounds; round++) {
    const { marker, fire } = await change(round);
    markers.push(marker);
    const since = performance.now();
    await fire();
    const roundDelays = await deliveryDelays(clients, marker, since, timeoutMs);
    missed += roundDelays.filter((d) => d === Infinity).length;
    delays.push(...roundDelays.filter((d) => d !== Infinity));
    await pause(1_200);
  }
  clients.forEach((c) => c.close());
  await pause(1_000);
  return { delays: delays.sort((a, b) => a - b), missed };
}

/**
 * The bare node:http SSE server (bench/reference/sse-server.mjs), with the open-files limit raised to the hard
 * limit in its shell so it can hold as many streams as Startline's web process. `change(round)` returns the
 * marker every client must see and the request that broadcasts it.
 */
export async function startBareSseServer() {
  const child = spawn("sh", ["-c", `ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" bench/reference/sse-server.mjs`], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  const base = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  return {
    pid: child.pid!,
    url: `${base}/live`,
    change: (round: number) => ({
      marker: `"marker":"round-${round}"`,
      fire: () => fetch(`${base}/publish?marker=round-${round}`, { method: "POST" }).then((r) => r.text()),
    }),
    stop: async () => {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

import { Agent, get, type ClientRequest } from "node:http";

/**
 * A light EventSource for hundreds of connections from one test process: it keeps the last snapshot and when
 * each snapshot arrived, and reconnects after the server ends the stream or the connection fails, as a browser
 * does (`retryMs`). Given several base addresses (web processes behind a load balancer) it starts on one and
 * moves to the next when a connection fails.
 */
export type FeedClient = {
  /** The `data` of the last `snapshot` event. */
  readonly last: unknown;
  /** When each snapshot arrived (ms since epoch). */
  readonly snapshotTimes: number[];
  /** Base address of the current connection. */
  readonly server: string;
  /** Connections opened (1 + reconnections), and when each was answered. */
  readonly connectedAt: number[];
  close(): void;
};

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

export function openFeed(servers: string[], path: string, { retryMs = 1_000, headers = {}, start = 0 }: { retryMs?: number; headers?: Record<string, string>; start?: number } = {}): FeedClient {
  let index = start % servers.length;
  let closed = false;
  let request: ClientRequest | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const state = { last: undefined as unknown, snapshotTimes: [] as number[], connectedAt: [] as number[] };

  const reconnect = (failed: boolean) => {
    if (closed || timer) return;
    if (failed) index = (index + 1) % servers.length;
    timer = setTimeout(() => {
      timer = undefined;
      connect();
    }, retryMs);
  };

  const connect = () => {
    if (closed) return;
    const url = new URL(path, servers[index]);
    request = get(url, { agent, headers: { Accept: "text/event-stream", ...headers } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return reconnect(true);
      }
      state.connectedAt.push(Date.now());
      response.setEncoding("utf8");
      let buffer = "";
      response.on("data", (chunk: string) => {
        buffer += chunk;
        let split: number;
        while ((split = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          if (!/^event: snapshot$/m.test(block)) continue;
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data === undefined) continue;
          state.last = JSON.parse(data);
          state.snapshotTimes.push(Date.now());
        }
      });
      // Ended by the server, or the connection dropped: a browser tries the same address again.
      response.on("close", () => reconnect(false));
    });
    request.on("error", () => reconnect(true));
  };
  connect();

  return {
    get last() {
      return state.last;
    },
    get snapshotTimes() {
      return state.snapshotTimes;
    },
    get server() {
      return servers[index]!;
    },
    get connectedAt() {
      return state.connectedAt;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      request?.destroy();
    },
  };
}

import type { Redis } from "ioredis";
import { closeRedis, createRedisConnection, redis, redisKey } from "~/utils/redis.server";
import { singleton } from "~/utils/singleton.server";
import type { Channel } from "./channels";

type Listener = (message: unknown) => void;

/**
 * One Redis subscriber connection per process, multiplexed across every live stream:
 * a channel is subscribed while at least one listener needs it and released with the last.
 */
class SubscriptionHub {
  private connection: Redis | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly reconnectListeners = new Set<() => void>();
  private connectedBefore = false;

  private get subscriber() {
    if (!this.connection) {
      this.connection = createRedisConnection("subscriber");
      this.connection.on("error", () => {
        // ioredis reconnects and re-subscribes by itself; streams keep their heartbeat meanwhile.
      });
      this.connection.on("ready", () => {
        // ioredis re-subscribes by itself, but whatever was published while it was away is gone.
        if (this.connectedBefore) for (const listener of this.reconnectListeners) listener();
        this.connectedBefore = true;
      });
      this.connection.on("message", (channel: string, raw: string) => {
        const set = this.listeners.get(channel);
        if (!set) return;
        const message: unknown = JSON.parse(raw);
        for (const listener of set) listener(message);
      });
    }
    return this.connection;
  }

  /** Resolves once Redis confirms the subscription; the returned function releases it. */
  async subscribe<M>(channel: Channel<M>, listener: (message: M) => void): Promise<() => Promise<void>> {
    const key = redisKey(channel.name);
    let set = this.listeners.get(key);
    const first = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    const entry = listener as Listener;
    set.add(entry);
    if (first) await this.subscriber.subscribe(key);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      const current = this.listeners.get(key);
      current?.delete(entry);
      if (current && current.size === 0) {
        this.listeners.delete(key);
        await this.subscriber.unsubscribe(key);
      }
    };
  }

  /** Runs after the subscriber connection came back from an outage (not on its first connect). */
  onReconnect(listener: () => void) {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Channels this process is subscribed to, with their local listener counts. */
  stats() {
    return Object.fromEntries([...this.listeners].map(([key, set]) => [key, set.size]));
  }

  async close() {
    this.listeners.clear();
    if (this.connection) await closeRedis(this.connection);
    this.connection = undefined;
  }
}

export const subscriptions = singleton("subscription-hub", () => new SubscriptionHub());

/** Publishes to every process (web or worker) that has a stream on this channel. */
export async function publish<M>(channel: Channel<M>, message: M) {
  await redis.publish(redisKey(channel.name), JSON.stringify(message));
}

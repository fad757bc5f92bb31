import { saveQueueSettings } from "~/services/queue.server";
import { db } from "~/utils/db.server";
import type { SeededRace } from "./races";

/** Minutes after the seed runs that the queue opens: time to read the demo output and open the queue page. */
export const QUEUE_OPENS_IN_MINUTES = 5;

/**
 * The race's virtual queue, opening a few minutes from now with a 15-minute pre-queue (so whoever joins now is
 * shuffled at opening), admitting 20 people a minute. Each run of the demo sets it to open anew: a queue that has
 * not opened yet just gets the new time; one a previous run opened is cleared first (its entries are demo
 * visitors'), since an opened queue's time can no longer change.
 */
export async function seedQueue(race: SeededRace, organiserId: string, now: Date) {
  const current = await db.raceQueue.findUnique({ where: { raceId: race.id }, select: { shuffledAt: true } });
  if (current?.shuffledAt) {
    await db.$transaction([db.queueEntry.deleteMany({ where: { raceId: race.id } }), db.raceQueue.delete({ where: { raceId: race.id } })]);
  }
  const opensAt = new Date(now.getTime() + QUEUE_OPENS_IN_MINUTES * 60_000);
  opensAt.setUTCSeconds(0, 0);
  await saveQueueSettings({
    raceId: race.id,
    actorId: organiserId,
    settings: { enabled: true, opensAt, preQueueMinutes: 15, admitPerMinute: 20, passMinutes: 15, checkoutCap: 50 },
  });
  return { opensAt };
}

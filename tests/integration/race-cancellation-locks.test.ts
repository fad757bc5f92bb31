import pg from "pg";
import { describe, expect, it } from "vitest";
import { changeRaceStatus } from "~/services/races.server";
import { reservePlaces } from "~/services/reservations.server";
import { db } from "~/utils/db.server";
import { createOrganisation, createRace, createTicketType, createUser } from "../support/factories";
import { waitFor } from "../support/wait";

/**
 * A race's cancellation and the holds of its places decide under one row lock, the race's (ADR 0023): a hold either
 * sees the cancellation or commits before it and is released by it, and two status changes never apply from one
 * stale read. The interleavings are made deterministic by a separate connection holding a lock one side needs; each
 * step waits until PostgreSQL reports the other connections waiting on a lock, never for a fixed time.
 */

/** Another connection holding a lock in an open transaction until `release()`. */
async function holdLock(sql: string, params: unknown[]) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query("BEGIN");
  await client.query(sql, params);
  return {
    async release() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

/** Connections of this test database waiting on a lock right now. */
async function lockWaiters() {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
  return row!.n;
}

/** Follows a promise without awaiting it: whether it has settled, and how. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  const settled = promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return { state, settled };
}

async function publishedRace(status: "PUBLISHED" | "CLOSED" = "PUBLISHED") {
  const { organisation, user: owner } = await createOrganisation();
  const race = await createRace(organisation.id, { status });
  const type = await createTicketType(race.id, { capacity: 10 });
  return { owner, race, type };
}

async function heldState(raceId: string, typeId: string) {
  const [pending, type] = await Promise.all([
    db.order.count({ where: { raceId, status: "PENDING" } }),
    db.ticketType.findUniqueOrThrow({ where: { id: typeId }, select: { heldCount: true } }),
  ]);
  return { pending, heldCount: type.heldCount };
}

describe("a hold and the race's cancellation", () => {
  it("refuses a hold that read the race before the cancellation committed but decides after it", async () => {
    const { owner, race, type } = await publishedRace();
    const clientIp = "203.0.113.7";
    // Pauses the hold just after it read the race as on sale: at the per-address hold cap's lock.
    const pause = await holdLock("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`holds-from:${clientIp}`]);
    const hold = track(reservePlaces({ raceId: race.id, buyer: await createUser(), lines: [{ ticketTypeId: type.id, quantity: 2 }], clientIp }));
    expect(await waitFor(lockWaiters, (n) => n === 1)).toBe(1);

    expect(await changeRaceStatus(race.id, owner.id, "cancel")).toBe("CANCELLED");
    await pause.release();
    await hold.settled;

    expect(hold.state.error).toMatchObject({ name: "ReservationError", message: "Registration for this race is closed." });
    expect(await heldState(race.id, type.id)).toEqual({ pending: 0, heldCount: 0 });
  });

  it("makes the cancellation wait for a hold in progress, then release it", async () => {
    const { owner, race, type } = await publishedRace();
    // Pauses the hold at the ticket type's row lock, after the point where it takes the race's.
    const pause = await holdLock(`SELECT id FROM "TicketType" WHERE id = $1 FOR UPDATE`, [type.id]);
    const hold = track(reservePlaces({ raceId: race.id, buyer: await createUser(), lines: [{ ticketTypeId: type.id, quantity: 2 }] }));
    expect(await waitFor(lockWaiters, (n) => n === 1)).toBe(1);
    const cancellation = track(changeRaceStatus(race.id, owner.id, "cancel"));
    // Either the cancellation queues behind the hold (two waiting) or it got through without waiting.
    await waitFor(async () => (await lockWaiters()) === 2 || cancellation.state.settled, Boolean);
    await pause.release();
    await Promise.all([hold.settled, cancellation.settled]);

    expect(cancellation.state.value).toBe("CANCELLED");
    expect(await heldState(race.id, type.id)).toEqual({ pending: 0, heldCount: 0 });
    if (hold.state.value) expect(await db.order.findUniqueOrThrow({ where: { id: hold.state.value.id } })).toMatchObject({ status: "CANCELLED" });
  });
});

describe("two status changes at once", () => {
  it("apply one after the other: a race cancelled first cannot be reopened by a change that read it closed", async () => {
    const { owner, race } = await publishedRace("CLOSED");
    const pause = await holdLock(`SELECT id FROM "Race" WHERE id = $1 FOR UPDATE`, [race.id]);
    const cancel = track(changeRaceStatus(race.id, owner.id, "cancel"));
    expect(await waitFor(lockWaiters, (n) => n === 1)).toBe(1);
    const reopen = track(changeRaceStatus(race.id, owner.id, "reopen"));
    expect(await waitFor(lockWaiters, (n) => n === 2)).toBe(2);
    await pause.release();
    await Promise.all([cancel.settled, reopen.settled]);

    expect(cancel.state.value).toBe("CANCELLED");
    expect(reopen.state.error).toMatchObject({ name: "RaceStatusError", message: "A cancelled race cannot be reopened." });
    expect((await db.race.findUniqueOrThrow({ where: { id: race.id } })).status).toBe("CANCELLED");
  });
});

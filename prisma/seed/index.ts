import { demoAccounts, seedAccounts } from "./accounts";
import { seedBuyerOrder } from "./buyer-order";
import { DEMO_ORGANISATION, seedOrganisation } from "./organisation";
import { runPastRace } from "./past-race";
import { seedQueue } from "./queue";
import { autumnPark5k, cityLights10k, harbourNightTrail, riversideHalf, seedRace } from "./races";
import { seedRooms } from "./rooms";

export const DEMO_DISCOUNT_CODE = "RIVERSIDE10";

/**
 * The living demo, step by step. Every step looks for what an earlier run made and makes only what is missing, so
 * running it again changes nothing but the queue's opening time (always a few minutes ahead).
 */
export async function seedDemo({ demoMode, now = new Date() }: { demoMode: boolean; now?: Date }) {
  const people = await seedAccounts(demoMode);
  const organisation = await seedOrganisation(people);
  const build = (spec: ReturnType<typeof riversideHalf>, peopleOffset: number) => seedRace(organisation.id, people.organiser.id, spec, peopleOffset);

  const riverside = await build(riversideHalf(now), 0);
  const nightTrail = await build(harbourNightTrail(now), 300);
  const cityLights = await build(cityLights10k(now), 0);
  const autumnSpec = autumnPark5k(now);
  const autumn = await build(autumnSpec, 500);
  await runPastRace(autumn, autumnSpec, { organisationId: organisation.id, organiserId: people.organiser.id, checkinId: people.checkin.id, now });

  const rooms = await seedRooms(riverside.id, people.runners);
  const buyerOrder = await seedBuyerOrder(riverside, people.buyer, now);
  const queue = await seedQueue(cityLights, people.organiser.id, now);

  return {
    accounts: Object.values(demoAccounts).filter((account) => demoMode || account.role !== "OPERATOR"),
    organisation: DEMO_ORGANISATION,
    discountCode: DEMO_DISCOUNT_CODE,
    races: { riverside, nightTrail, cityLights, autumn },
    rooms,
    buyerOrder,
    queueOpensAt: queue.opensAt,
  };
}

export type DemoSummary = Awaited<ReturnType<typeof seedDemo>>;

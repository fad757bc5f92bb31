import type { JobHandler } from "../handler";
import { remindUpcomingEvents } from "~/services/club-events.server";

export const clubsRemindEvents: JobHandler<"clubs.remind-events"> = {
  run: () => remindUpcomingEvents(),
};

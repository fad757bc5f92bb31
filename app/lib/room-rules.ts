/** What someone the owner removed from a room is told, by the room's page, its join link and a refused join. */
export const REMOVED_FROM_ROOM = "You were removed from this room. You can join it again only if its owner invites you back.";

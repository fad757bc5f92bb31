import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { TextAreaField } from "~/components/fields";
import { Badge, Button, Card } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useLiveSnapshot } from "~/components/use-live-snapshot";
import type { MemberRegistrationStatus } from "~/services/room-status.server";
import { messagesPage, roomView, type RoomLive, type RoomRemoved, type RoomView } from "~/presenters/rooms.server";
import { deleteMessage, postMessage } from "~/services/room-messages.server";
import { closeRoom, inviteBack, removeMember, transferOwnership } from "~/services/room-owner.server";
import { joinRoom, leaveRoom } from "~/services/rooms.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { ROOM_MESSAGE_MAX, roomMessageSchema } from "~/validation/rooms";
import { counted } from "~/lib/plural";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.room.name} · Startline` : "Room · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const room = await roomView(params.roomId ?? "", user.id).catch((error: unknown) => { throw replyToError(error); });
  const before = new URL(request.url).searchParams.get("before");
  return { room, earlier: before && !("removed" in room) ? await messagesPage(room.id, before) : null };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const roomId = params.roomId ?? "";
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const userId = String(formData.get("userId") ?? "");
  const here = `/rooms/${roomId}`;
  try {
    switch (intent) {
      case "post": {
        const submission = parseWithZod(formData, { schema: roomMessageSchema });
        if (submission.status !== "success") return data({ intent, error: submission.error?.body?.join(" ") ?? "Write a message first.", href: null }, { status: 400 });
        await postMessage({ roomId, userId: user.id, body: submission.value.body });
        return redirect(here);
      }
      case "join":
        await joinRoom({ roomId, userId: user.id });
        return redirect(here);
      case "leave": {
        const { race } = await roomView(roomId, user.id);
        await leaveRoom({ roomId, userId: user.id });
        return redirect(`/races/${race.slug}/rooms`);
      }
      case "remove":
        await removeMember({ roomId, actorId: user.id, userId });
        return redirect(here);
      case "invite-back":
        await inviteBack({ roomId, actorId: user.id, userId });
        return redirect(here);
      case "transfer":
        await transferOwnership({ roomId, actorId: user.id, toUserId: userId });
        return redirect(here);
      case "close":
        await closeRoom({ roomId, actorId: user.id });
        return redirect(here);
      case "delete-message":
        await deleteMessage({ roomId, actorId: user.id, messageId: String(formData.get("messageId") ?? "") });
        return redirect(here);
      default:
        throw new Response("Unknown action", { status: 400 });
    }
  } catch (error) {
    return replyToError(error, { intent });
  }
}

const registrationLabels: Record<MemberRegistrationStatus, { label: string; tone: "neutral" | "warn" | "good" }> = {
  NOT_STARTED: { label: "Not started", tone: "neutral" },
  IN_CHECKOUT: { label: "In checkout", tone: "warn" },
  REGISTERED: { label: "Registered", tone: "good" },
};

export default function RoomPage() {
  const { room, earlier } = useLoaderData<typeof loader>();
  return <RoomScreen key={room.id} initial={room} earlier={earlier} />;
}

type MessagesPage = Awaited<ReturnType<typeof messagesPage>>;

function MessageList({ label, messages, canDelete }: { label: string; messages: MessagesPage["messages"]; canDelete: boolean }) {
  return (
    <ol className="mt-3 flex flex-col gap-3" aria-label={label} aria-live={label === "Messages" ? "polite" : undefined}>
      {messages.map((message) => (
        <li key={message.id} className="rounded-lg bg-slate-50 p-3">
          <div className="flex items-center justify-between gap-2">
            <p className="text-sm font-semibold">{message.authorName}</p>
            {canDelete ? (
              <Form method="post">
                <input type="hidden" name="intent" value="delete-message" />
                <input type="hidden" name="messageId" value={message.id} />
                <Button type="submit" variant="ghost" aria-label={`Delete message from ${message.authorName}: ${message.body}`}>
                  Delete
                </Button>
              </Form>
            ) : null}
          </div>
          <p className="break-words whitespace-pre-wrap">{message.body}</p>
        </li>
      ))}
    </ol>
  );
}

/** What a removed person sees, on their next visit or live, the moment the owner removes them. */
function RemovedNotice({ room }: { room: RoomRemoved }) {
  return (
    <Card className="mx-auto max-w-2xl">
      <div role="alert">
        <h1 className="text-xl font-bold">You were removed from {room.name}</h1>
        <p className="mt-2 text-slate-700">The room's owner removed you. You can join it again only if they invite you back.</p>
      </div>
      <div className="mt-3 flex flex-col gap-2">
        <Link to={`/races/${room.race.slug}`} className="font-medium text-brand-700 underline">
          Register for {room.race.name}
        </Link>
        <Link to={`/races/${room.race.slug}/rooms`} className="font-medium text-brand-700 underline">
          See the race's other rooms
        </Link>
      </div>
    </Card>
  );
}

function RoomScreen({ initial, earlier }: { initial: RoomView | RoomRemoved; earlier: MessagesPage | null }) {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const { value: live, status: link, refresh: refreshLink } = useLiveSnapshot<RoomLive>(`/rooms/${initial.id}/live`, initial);
  const pending = navigation.state === "submitting" ? navigation.formData : undefined;
  const posting = pending?.get("intent") === "post";
  const messageForm = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!posting && !actionData) messageForm.current?.reset();
  }, [posting, actionData]);

  if ("removed" in live) return <RemovedNotice room={live} />;
  if ("gone" in live) {
    return (
      <Card className="mx-auto max-w-2xl">
        <h1 className="text-xl font-bold">You are no longer in this room</h1>
        <p className="mt-2 text-slate-700">The owner removed you or closed the room.</p>
        <Link to={`/races/${initial.race.slug}/rooms`} className="mt-3 inline-block font-medium text-brand-700 underline">
          See the race's rooms
        </Link>
      </Card>
    );
  }
  const room = live;
  const { viewer } = room;
  const open = room.status === "OPEN";
  const errorFor = (intent: string) => (actionData && actionData.intent === intent ? actionData : null);
  const otherError = actionData && actionData.intent !== "post" ? actionData : null;

  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-6">
      <div>
        <nav aria-label="Race" className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
          <Link to={`/races/${room.race.slug}/rooms`} className="font-medium text-brand-700 underline">
            Rooms for {room.race.name}
          </Link>
          <Link to={`/races/${room.race.slug}`} className="font-medium text-brand-700 underline">
            Register for {room.race.name}
          </Link>
        </nav>
        <div className="mt-1 flex flex-wrap items-center gap-2">
          <h1 className="text-2xl font-bold">{room.name}</h1>
          <Badge tone={room.visibility === "PRIVATE" ? "warn" : "neutral"}>{room.visibility === "PRIVATE" ? "Private" : "Public"}</Badge>
          {open ? null : <Badge tone="bad">Closed</Badge>}
        </div>
        {room.teamName ? <p className="text-slate-700">Team {room.teamName}</p> : null}
      </div>

      {otherError ? (
        <div role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
          {otherError.error}{" "}
          {otherError.href ? (
            <Link to={otherError.href} className="font-medium underline">
              Go to your room
            </Link>
          ) : null}
        </div>
      ) : null}

      {!viewer.isMember && open ? (
        <Card>
          {viewer.otherRoom ? (
            <p>
              You are in <Link to={`/rooms/${viewer.otherRoom.id}`} className="font-medium text-brand-700 underline">{viewer.otherRoom.name}</Link> for this race.
            </p>
          ) : (
            <Form method="post" className="flex flex-col gap-2">
              <p className="text-slate-700">
                {`${room.members.length} of ${counted(room.maxMembers, "place")} taken.`}
              </p>
              <input type="hidden" name="intent" value="join" />
              <Button type="submit" pending={pending?.get("intent") === "join"} pendingLabel="Joining…">
                Join {room.name}
              </Button>
            </Form>
          )}
        </Card>
      ) : null}

      {viewer.isMember && room.code ? (
        <Card>
          <h2 className="font-semibold">Invite people</h2>
          <p className="mt-1 text-sm text-slate-700">
            Share the code <span className="font-mono text-base font-semibold" data-testid="room-code">{room.code}</span> or the link{" "}
            <Link to={`/rooms/join/${room.code}`} className="font-medium text-brand-700 underline">
              /rooms/join/{room.code}
            </Link>
          </p>
        </Card>
      ) : null}

      <Card>
        <div className="flex items-center justify-between gap-2">
          <h2 className="text-xl font-semibold">
            Members ({room.members.length} of {room.maxMembers})
          </h2>
          <LiveIndicator status={link} onRefresh={refreshLink} />
        </div>
        <ul className="mt-3 divide-y divide-slate-200" aria-label="Members">
          {room.members.map((member) => {
            const registration = registrationLabels[member.registration];
            return (
              <li key={member.userId} className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{member.name}</span>
                  {member.isOwner ? <Badge>Owner</Badge> : null}
                  <Badge tone={registration.tone}>{registration.label}</Badge>
                </div>
                {viewer.isOwner && open && !member.isOwner ? (
                  <div className="flex flex-wrap gap-2">
                    <Form method="post">
                      <input type="hidden" name="intent" value="transfer" />
                      <input type="hidden" name="userId" value={member.userId} />
                      <Button type="submit" variant="secondary">
                        Make {member.name} owner
                      </Button>
                    </Form>
                    <Form method="post">
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="userId" value={member.userId} />
                      <Button type="submit" variant="secondary">
                        Remove {member.name}
                      </Button>
                    </Form>
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
        {viewer.isOwner && open && room.removedPeople.length > 0 ? (
          <div className="mt-4 border-t border-slate-200 pt-4">
            <h3 className="font-semibold">Removed</h3>
            <p className="text-sm text-slate-700">They cannot join again until you invite them back.</p>
            <ul className="mt-2 flex flex-col gap-2" aria-label="Removed people">
              {room.removedPeople.map((person) => (
                <li key={person.userId} className="flex flex-wrap items-center justify-between gap-2">
                  <span>{person.name}</span>
                  <Form method="post">
                    <input type="hidden" name="intent" value="invite-back" />
                    <input type="hidden" name="userId" value={person.userId} />
                    <Button type="submit" variant="secondary">
                      Invite {person.name} back
                    </Button>
                  </Form>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {viewer.isMember && open ? (
          <div className="mt-4 flex flex-wrap gap-2 border-t border-slate-200 pt-4">
            {viewer.isOwner ? (
              <Form method="post">
                <input type="hidden" name="intent" value="close" />
                <Button type="submit" variant="secondary" pending={pending?.get("intent") === "close"} pendingLabel="Closing…">
                  Close room
                </Button>
              </Form>
            ) : null}
            <Form method="post">
              <input type="hidden" name="intent" value="leave" />
              <Button type="submit" variant="ghost" pending={pending?.get("intent") === "leave"} pendingLabel="Leaving…">
                Leave room
              </Button>
            </Form>
          </div>
        ) : null}
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Chat</h2>
        {viewer.isMember && open ? (
          <Form method="post" ref={messageForm} className="mt-3 flex flex-col gap-2">
            <input type="hidden" name="intent" value="post" />
            <TextAreaField
              id="room-message"
              name="body"
              label="Message"
              rows={2}
              maxLength={ROOM_MESSAGE_MAX}
              required
              errors={errorFor("post")?.error ? [errorFor("post")?.error ?? ""] : undefined}
            />
            <Button type="submit" pending={posting} pendingLabel="Sending…">
              Send message
            </Button>
          </Form>
        ) : null}
        {room.messages.length === 0 ? (
          <p className="mt-3 text-slate-700">No messages yet.{viewer.isMember ? " Say hello!" : ""}</p>
        ) : (
          <MessageList label="Messages" messages={room.messages} canDelete={viewer.isOwner} />
        )}
        {earlier ? (
          <>
            <h3 className="mt-4 text-sm font-semibold text-slate-700">Earlier messages</h3>
            <MessageList label="Earlier messages" messages={earlier.messages} canDelete={viewer.isOwner} />
          </>
        ) : null}
        {(earlier ? earlier.nextCursor : room.olderMessagesCursor) ? (
          <Link
            to={`/rooms/${room.id}?before=${earlier ? earlier.nextCursor : room.olderMessagesCursor}`}
            className="mt-3 inline-block text-sm font-medium text-brand-700 underline"
            preventScrollReset
          >
            Show earlier messages
          </Link>
        ) : null}
      </Card>
    </div>
  );
}

import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { SelectField, TextAreaField } from "~/components/fields";
import { Badge, Button, Card, Field } from "~/components/ui";
import { useLiveSnapshot } from "~/components/use-live-snapshot";
import { clubMessagesPage, clubView, racesToEnter, type ClubLive, type ClubMemberView, type ClubMessagesPage } from "~/presenters/clubs.server";
import { answerClubEvent, createClubEvent } from "~/services/club-events.server";
import { deleteClubMessage, postClubMessage, toggleReaction } from "~/services/club-messages.server";
import { openClubRoom } from "~/services/club-rooms.server";
import { joinClub, leaveClub, markClubRead, muteClub, removeClubMember, setClubRole, transferClub } from "~/services/clubs.server";
import { requireUser } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { CLUB_MESSAGE_MAX, clubAnswerSchema, clubEventSchema, clubMessageSchema, clubRoomSchema } from "~/validation/clubs";
import { answerLabels, CLUB_REACTIONS, reactionNames, type ClubAnswer, type ClubReaction } from "~/lib/club-rules";
import { formatInZone } from "~/lib/time";
import { counted } from "~/lib/plural";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.club.name} · Startline` : "Club · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const club = await clubView(params.clubId ?? "", user.id).catch((error: unknown) => {
    throw replyToError(error);
  });
  const search = new URL(request.url).searchParams;
  if (!club.members) return { club, earlier: null, replyTo: null, races: [] };
  await markClubRead(club.id, user.id);
  const before = search.get("before");
  const replyToId = search.get("replyTo");
  const [earlier, races] = await Promise.all([before ? clubMessagesPage(club.id, user.id, before) : null, club.viewer.isAdmin ? racesToEnter() : []]);
  const replyTo = replyToId ? ([...club.messages, ...(earlier?.messages ?? [])].find((m) => m.id === replyToId) ?? null) : null;
  return { club, earlier, replyTo: replyTo ? { id: replyTo.id, authorName: replyTo.authorName, body: replyTo.body.slice(0, 140) } : null, races };
}

type FieldErrors = Record<string, string[] | undefined>;

function invalid(intent: string, error: unknown) {
  const fieldErrors = (error ?? {}) as FieldErrors;
  const first = Object.values(fieldErrors).flat().find(Boolean);
  return data({ intent, error: first ?? "Check the form.", field: null as string | null, href: null, fieldErrors }, { status: 400 });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const clubId = params.clubId ?? "";
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const userId = String(formData.get("userId") ?? "");
  const here = `/clubs/${clubId}`;
  try {
    switch (intent) {
      case "join":
        await joinClub({ clubId, userId: user.id });
        return redirect(here);
      case "leave":
        await leaveClub({ clubId, userId: user.id });
        return redirect("/clubs");
      case "remove":
        await removeClubMember({ clubId, actorId: user.id, userId });
        return redirect(here);
      case "make-admin":
      case "make-member":
        await setClubRole({ clubId, actorId: user.id, userId, role: intent === "make-admin" ? "ADMIN" : "MEMBER" });
        return redirect(here);
      case "transfer":
        await transferClub({ clubId, actorId: user.id, toUserId: userId });
        return redirect(here);
      case "mute":
      case "unmute":
        await muteClub({ clubId, userId: user.id, muted: intent === "mute" });
        return redirect(here);
      case "post": {
        const submission = parseWithZod(formData, { schema: clubMessageSchema });
        if (submission.status !== "success") return invalid(intent, submission.error);
        await postClubMessage({ clubId, userId: user.id, ...submission.value });
        return redirect(here);
      }
      case "react":
        await toggleReaction({ clubId, userId: user.id, messageId: String(formData.get("messageId") ?? ""), emoji: String(formData.get("emoji") ?? "") });
        return redirect(here);
      case "delete-message":
        await deleteClubMessage({ clubId, actorId: user.id, messageId: String(formData.get("messageId") ?? "") });
        return redirect(here);
      case "event": {
        const submission = parseWithZod(formData, { schema: clubEventSchema });
        if (submission.status !== "success") return invalid(intent, submission.error);
        const event = await createClubEvent({ clubId, actorId: user.id, input: submission.value });
        return redirect(`${here}#event-${event.id}`);
      }
      case "answer": {
        const submission = parseWithZod(formData, { schema: clubAnswerSchema });
        if (submission.status !== "success") return invalid(intent, submission.error);
        await answerClubEvent({ clubId, userId: user.id, ...submission.value });
        return redirect(here);
      }
      case "room": {
        const submission = parseWithZod(formData, { schema: clubRoomSchema });
        if (submission.status !== "success") return invalid(intent, submission.error);
        const room = await openClubRoom({ clubId, actorId: user.id, input: submission.value });
        return redirect(`/rooms/${room.id}`);
      }
      default:
        return invalid(intent, { form: ["Unknown action."] });
    }
  } catch (error) {
    return replyToError(error, { intent });
  }
}

export default function ClubPage() {
  const { club, earlier, replyTo, races } = useLoaderData<typeof loader>();
  if (!club.members) return <JoinPublicClub club={club} />;
  return <ClubScreen key={club.id} initial={club as ClubMemberView} earlier={earlier} replyTo={replyTo} races={races} />;
}

function ErrorAlert({ children }: { children: string }) {
  return (
    <p role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
      {children}
    </p>
  );
}

function JoinPublicClub({ club }: { club: { name: string; description: string; memberCount: number } }) {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <Card className="mx-auto flex max-w-2xl flex-col gap-3">
      <h1 className="text-2xl font-bold">{club.name}</h1>
      {club.description ? <p className="whitespace-pre-wrap text-slate-700">{club.description}</p> : null}
      <p className="text-slate-700">{counted(club.memberCount, "member")}. Join to see the chat, events and who is here.</p>
      {actionData?.error ? <ErrorAlert>{actionData.error}</ErrorAlert> : null}
      <Form method="post">
        <input type="hidden" name="intent" value="join" />
        <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Joining…">
          Join {club.name}
        </Button>
      </Form>
    </Card>
  );
}

function IntentButton({ intent, label, fields = {}, variant = "secondary", pressed }: { intent: string; label: string; fields?: Record<string, string>; variant?: "primary" | "secondary" | "ghost"; pressed?: boolean }) {
  return (
    <Form method="post" preventScrollReset>
      <input type="hidden" name="intent" value={intent} />
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button type="submit" variant={variant} aria-pressed={pressed}>
        {label}
      </Button>
    </Form>
  );
}

type Message = ClubMessagesPage["messages"][number];

function MessageItem({ message, club }: { message: Message; club: ClubMemberView }) {
  const canDelete = message.userId === club.viewer.id || club.viewer.isAdmin;
  return (
    <li id={`message-${message.id}`} className="rounded-lg bg-slate-50 p-3">
      {message.replyTo ? (
        <p className="mb-1 border-l-4 border-slate-300 pl-2 text-sm text-slate-600">
          Reply to {message.replyTo.authorName}: {message.replyTo.body ?? "a deleted message"}
        </p>
      ) : null}
      <div className="flex items-center justify-between gap-2">
        <p className="text-sm font-semibold">{message.authorName}</p>
        <div className="flex gap-1">
          <Link to={`/clubs/${club.id}?replyTo=${message.id}#chat`} className="rounded px-2 py-1 text-sm font-medium text-brand-700 underline" aria-label={`Reply to ${message.authorName}: ${message.body}`}>
            Reply
          </Link>
          {canDelete ? (
            <Form method="post" preventScrollReset>
              <input type="hidden" name="intent" value="delete-message" />
              <input type="hidden" name="messageId" value={message.id} />
              <Button type="submit" variant="ghost" aria-label={`Delete message from ${message.authorName}: ${message.body}`}>
                Delete
              </Button>
            </Form>
          ) : null}
        </div>
      </div>
      <p className="break-words whitespace-pre-wrap">{message.body}</p>
      <div className="mt-2 flex flex-wrap gap-1" role="group" aria-label={`Reactions to ${message.authorName}'s message`}>
        {CLUB_REACTIONS.map((emoji) => {
          const reaction = message.reactions.find((r) => r.emoji === emoji);
          const count = reaction?.count ?? 0;
          return (
            <Form method="post" key={emoji} preventScrollReset>
              <input type="hidden" name="intent" value="react" />
              <input type="hidden" name="messageId" value={message.id} />
              <input type="hidden" name="emoji" value={emoji} />
              <button
                type="submit"
                aria-pressed={reaction?.mine ?? false}
                aria-label={`${reactionNames[emoji as ClubReaction]}: ${count}`}
                className={`min-h-9 rounded-full px-2 text-sm ring-1 ${reaction?.mine ? "bg-brand-50 ring-brand-500" : "bg-white ring-slate-300"}`}
              >
                <span aria-hidden>{emoji}</span> {count > 0 ? count : null}
              </button>
            </Form>
          );
        })}
      </div>
    </li>
  );
}

function Members({ club }: { club: ClubMemberView }) {
  const { viewer } = club;
  return (
    <Card>
      <div className="flex items-center justify-between gap-2">
        <h2 className="text-xl font-semibold">Members ({club.members.length})</h2>
        <p className="text-sm font-medium text-slate-700" data-testid="online-count" aria-live="polite">
          {counted(club.onlineCount, "person", { plural: "people" })} here now
        </p>
      </div>
      <ul className="mt-3 divide-y divide-slate-200" aria-label="Members">
        {club.members.map((member) => (
          <li key={member.userId} className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium">{member.name}</span>
              {member.role !== "MEMBER" ? <Badge>{member.role === "OWNER" ? "Owner" : "Admin"}</Badge> : null}
              {member.online ? <Badge tone="good">Online</Badge> : null}
            </div>
            {member.userId !== viewer.id && viewer.isAdmin && member.role !== "OWNER" ? (
              <div className="flex flex-wrap gap-2">
                {viewer.role === "OWNER" ? (
                  <>
                    <IntentButton intent={member.role === "ADMIN" ? "make-member" : "make-admin"} fields={{ userId: member.userId }} label={member.role === "ADMIN" ? `Make ${member.name} a member` : `Make ${member.name} an admin`} />
                    <IntentButton intent="transfer" fields={{ userId: member.userId }} label={`Make ${member.name} owner`} />
                  </>
                ) : null}
                {viewer.role === "OWNER" || member.role === "MEMBER" ? <IntentButton intent="remove" fields={{ userId: member.userId }} label={`Remove ${member.name}`} /> : null}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}

type ClubEventView = ClubMemberView["events"][number];

function EventItem({ event, club }: { event: ClubEventView; club: ClubMemberView }) {
  const going = event.attendees.filter((a) => a.answer === "GOING");
  const maybe = event.attendees.filter((a) => a.answer === "MAYBE");
  return (
    <li id={`event-${event.id}`} className="flex flex-col gap-2 py-3">
      <h3 className="text-lg font-semibold">{event.title}</h3>
      <p className="text-slate-700">
        {formatInZone(event.startsAt, club.timeZone)} · {event.place}
      </p>
      {event.description ? <p className="whitespace-pre-wrap text-sm text-slate-700">{event.description}</p> : null}
      <p className="text-sm" data-testid={`attendance-${event.id}`} aria-live="polite">
        {event.counts.GOING} going{event.capacity !== null ? ` of ${event.capacity}` : ""} · {event.counts.MAYBE} maybe · {event.counts.NOT_GOING} not going
      </p>
      {going.length ? <p className="text-sm text-slate-700">Going: {going.map((a) => a.name).join(", ")}</p> : null}
      {maybe.length ? <p className="text-sm text-slate-700">Maybe: {maybe.map((a) => a.name).join(", ")}</p> : null}
      {event.started ? null : (
        <div className="flex flex-wrap gap-2" role="group" aria-label={`Your answer for ${event.title}`}>
          {(["GOING", "MAYBE", "NOT_GOING"] as ClubAnswer[]).map((answer) => (
            <IntentButton key={answer} intent="answer" fields={{ eventId: event.id, answer }} label={answerLabels[answer]} pressed={event.myAnswer === answer} variant={event.myAnswer === answer ? "primary" : "secondary"} />
          ))}
        </div>
      )}
      <a href={`/clubs/${club.id}/events/${event.id}.ics`} className="text-sm font-medium text-brand-700 underline" download>
        Add {event.title} to your calendar (.ics)
      </a>
    </li>
  );
}

function ClubScreen({ initial, earlier, replyTo, races }: { initial: ClubMemberView; earlier: ClubMessagesPage | null; replyTo: { id: string; authorName: string; body: string } | null; races: { id: string; name: string }[] }) {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const { value: live, status: link } = useLiveSnapshot<ClubLive>(`/clubs/${initial.id}/live`, initial);
  const pending = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const messageForm = useRef<HTMLFormElement>(null);
  const eventForm = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (pending !== "post" && !actionData) messageForm.current?.reset();
    if (pending !== "event" && !actionData) eventForm.current?.reset();
  }, [pending, actionData]);

  if ("gone" in live || !live.members) {
    return (
      <Card className="mx-auto max-w-2xl">
        <h1 className="text-xl font-bold">You are no longer in this club</h1>
        <Link to="/clubs" className="mt-3 inline-block font-medium text-brand-700 underline">
          See your clubs
        </Link>
      </Card>
    );
  }
  const club = live as ClubMemberView;
  const { viewer } = club;
  const errorOf = (intent: string) => (actionData && actionData.intent === intent ? actionData : null);
  const fieldErrors = (intent: string, field: string) => {
    const reply = errorOf(intent);
    return reply && "fieldErrors" in reply ? reply.fieldErrors[field] : undefined;
  };
  const generalError = actionData && !["post", "event", "room"].includes(actionData.intent ?? "") ? actionData.error : null;

  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-6">
      <div>
        <Link to="/clubs" className="text-sm font-medium text-brand-700 underline">
          All clubs
        </Link>
        <div className="mt-1 flex flex-wrap items-center gap-2">
          <h1 className="text-2xl font-bold">{club.name}</h1>
          <Badge tone={club.visibility === "PRIVATE" ? "warn" : "neutral"}>{club.visibility === "PRIVATE" ? "Private" : "Public"}</Badge>
          <Badge tone={link === "live" ? "good" : "warn"}>{link === "live" ? "Live" : "Connecting"}</Badge>
        </div>
        {club.description ? <p className="mt-1 whitespace-pre-wrap text-slate-700">{club.description}</p> : null}
      </div>

      {generalError ? <ErrorAlert>{generalError}</ErrorAlert> : null}

      <Card>
        <h2 className="font-semibold">Invite people</h2>
        <p className="mt-1 text-sm text-slate-700">
          Share the code <span className="font-mono text-base font-semibold" data-testid="club-code">{club.code}</span>
          {club.visibility === "PUBLIC" ? (
            <>
              {" "}or the link{" "}
              <Link to={`/clubs/join/${club.code}`} className="font-medium text-brand-700 underline">
                /clubs/join/{club.code}
              </Link>
            </>
          ) : (
            " (people type it in on the clubs page)"
          )}
        </p>
        <div className="mt-3 flex flex-wrap gap-2">
          <IntentButton intent={viewer.muted ? "unmute" : "mute"} label={viewer.muted ? "Turn club notifications on" : "Mute club notifications"} />
          {viewer.role !== "OWNER" ? <IntentButton intent="leave" label="Leave club" variant="ghost" /> : null}
        </div>
      </Card>

      <Members club={club} />

      <Card>
        <h2 className="text-xl font-semibold">Events</h2>
        {club.events.length === 0 ? <p className="mt-2 text-slate-700">No events planned.{viewer.isAdmin ? " Plan a training run below." : ""}</p> : <ul className="divide-y divide-slate-200" aria-label="Events">{club.events.map((event) => <EventItem key={event.id} event={event} club={club} />)}</ul>}
        {viewer.isAdmin ? (
          <Form method="post" ref={eventForm} className="mt-4 flex flex-col gap-3 border-t border-slate-200 pt-4">
            <h3 className="font-semibold">Plan an event</h3>
            <input type="hidden" name="intent" value="event" />
            {errorOf("event") && !fieldErrors("event", "title") && !fieldErrors("event", "startsAt") && !fieldErrors("event", "place") && !fieldErrors("event", "capacity") ? <ErrorAlert>{errorOf("event")?.error ?? ""}</ErrorAlert> : null}
            <Field id="event-title" name="title" label="Title" maxLength={80} required errors={fieldErrors("event", "title")} />
            <Field id="event-starts-at" name="startsAt" type="datetime-local" label={`Starts (${club.timeZone})`} required errors={fieldErrors("event", "startsAt")} />
            <Field id="event-place" name="place" label="Place" maxLength={120} required errors={fieldErrors("event", "place")} />
            <TextAreaField id="event-description" name="description" label="Description" rows={2} maxLength={1000} errors={fieldErrors("event", "description")} />
            <Field id="event-capacity" name="capacity" type="number" min={1} label="Places (optional)" hint="Leave empty for no limit." errors={fieldErrors("event", "capacity")} />
            <Button type="submit" pending={pending === "event"} pendingLabel="Creating…">
              Create event
            </Button>
          </Form>
        ) : null}
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Races together</h2>
        {club.rooms.length === 0 ? (
          <p className="mt-2 text-slate-700">No rooms open yet.{viewer.isAdmin ? " Open one for a race below; members can join it in one click." : ""}</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200" aria-label="Club rooms">
            {club.rooms.map((room) => (
              <li key={room.id} className="flex flex-col gap-2 py-2 sm:flex-row sm:items-center sm:justify-between">
                <span>
                  {room.name} · {room.race.name}
                </span>
                {room.joined ? (
                  <Link to={`/rooms/${room.id}`} className="font-medium text-brand-700 underline">
                    Open room {room.name}
                  </Link>
                ) : (
                  <Form method="post" action={`/rooms/join/${room.code}`}>
                    <Button type="submit">Join room for {room.race.name}</Button>
                  </Form>
                )}
              </li>
            ))}
          </ul>
        )}
        {viewer.isAdmin ? (
          <Form method="post" className="mt-4 flex flex-col gap-3 border-t border-slate-200 pt-4">
            <h3 className="font-semibold">Open a room for a race</h3>
            <input type="hidden" name="intent" value="room" />
            {errorOf("room") && !fieldErrors("room", "raceId") ? <ErrorAlert>{errorOf("room")?.error ?? ""}</ErrorAlert> : null}
            {races.length === 0 ? (
              <p className="text-sm text-slate-700">No race is open for registration right now.</p>
            ) : (
              <>
                <SelectField id="room-race" name="raceId" label="Race" options={races.map((race) => ({ value: race.id, label: race.name }))} errors={fieldErrors("room", "raceId")} />
                <Field id="room-team" name="teamName" label="Team name" defaultValue={club.name.slice(0, 60)} maxLength={60} errors={fieldErrors("room", "teamName")} />
                <Field id="room-size" name="maxMembers" type="number" min={2} max={50} defaultValue={10} label="Places in the room" errors={fieldErrors("room", "maxMembers")} />
                <Button type="submit" pending={pending === "room"} pendingLabel="Opening…">
                  Open room
                </Button>
              </>
            )}
          </Form>
        ) : null}
      </Card>

      <Card>
        <h2 id="chat" className="text-xl font-semibold">
          Chat
        </h2>
        <Form method="post" ref={messageForm} className="mt-3 flex flex-col gap-2" preventScrollReset>
          <input type="hidden" name="intent" value="post" />
          {replyTo ? (
            <>
              <input type="hidden" name="replyToId" value={replyTo.id} />
              <p className="text-sm text-slate-700">
                Replying to {replyTo.authorName}: {replyTo.body}{" "}
                <Link to={`/clubs/${club.id}#chat`} className="font-medium text-brand-700 underline">
                  Cancel reply
                </Link>
              </p>
            </>
          ) : null}
          <TextAreaField id="club-message" name="body" label={replyTo ? `Reply to ${replyTo.authorName}` : "Message"} rows={2} maxLength={CLUB_MESSAGE_MAX} required errors={errorOf("post") ? [errorOf("post")?.error ?? ""] : undefined} />
          <Button type="submit" pending={pending === "post"} pendingLabel="Sending…">
            Send message
          </Button>
        </Form>
        {club.messages.length === 0 ? (
          <p className="mt-3 text-slate-700">No messages yet. Say hello!</p>
        ) : (
          <ol className="mt-3 flex flex-col gap-3" aria-label="Messages">
            {club.messages.map((message) => (
              <MessageItem key={message.id} message={message} club={club} />
            ))}
          </ol>
        )}
        {earlier ? (
          <>
            <h3 className="mt-4 text-sm font-semibold text-slate-700">Earlier messages</h3>
            <ol className="mt-3 flex flex-col gap-3" aria-label="Earlier messages">
              {earlier.messages.map((message) => (
                <MessageItem key={message.id} message={message} club={club} />
              ))}
            </ol>
          </>
        ) : null}
        {(earlier ? earlier.nextCursor : club.olderMessagesCursor) ? (
          <Link to={`/clubs/${club.id}?before=${earlier ? earlier.nextCursor : club.olderMessagesCursor}`} className="mt-3 inline-block text-sm font-medium text-brand-700 underline" preventScrollReset>
            Show earlier messages
          </Link>
        ) : null}
      </Card>
    </div>
  );
}

import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card } from "~/components/ui";
import { roomByCode } from "~/presenters/rooms.server";
import { joinRoom } from "~/services/rooms.server";
import { REMOVED_FROM_ROOM } from "~/lib/room-rules";
import { requireUser } from "~/web/auth.server";
import { clientIp, firstInRequest } from "~/web/request.server";
import { replyToError } from "~/web/errors.server";
import { counted } from "~/lib/plural";

/** Without JavaScript a join posts the form and this page's loader runs after the action: one try of the code, counted once. */
const COUNTED = "room-code-counted";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.room ? `Join ${data.room.hidden ? "a private room" : data.room.name} · Startline` : "Join a room · Startline" },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const guesser = { userId: user.id, ip: clientIp(request) };
    const room = await roomByCode(params.code ?? "", guesser, { counted: !firstInRequest(context, COUNTED) });
    if (!room) return data({ room: null, error: "No room has this code. Check the link or code with the person who shared it." }, { status: 404 });
    return { room, error: null };
  } catch (error) {
    const refusal = replyToError(error);
    return data({ room: null, error: refusal.data.error }, refusal.init ?? undefined);
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireUser(request);
  firstInRequest(context, COUNTED);
  try {
    const room = await joinRoom({ userId: user.id, code: params.code ?? "", ip: clientIp(request) });
    return redirect(`/rooms/${room.id}`);
  } catch (error) {
    return replyToError(error, { intent: "join" });
  }
}

function Alert({ tone, children }: { tone: "error" | "warn"; children: string }) {
  const colours = tone === "error" ? "bg-red-50 text-red-800 ring-red-200" : "bg-amber-50 text-amber-900 ring-amber-200";
  return (
    <p role="alert" className={`rounded-lg p-3 text-sm ring-1 ${colours}`}>
      {children}
    </p>
  );
}

function JoinButton({ label }: { label: string }) {
  const navigation = useNavigation();
  return (
    <Form method="post">
      <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Joining…">
        {label}
      </Button>
    </Form>
  );
}

export default function JoinRoomPage() {
  const { room, error } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  if (!room) {
    return (
      <Card className="mx-auto max-w-2xl">
        <h1 className="text-xl font-bold">Room not found</h1>
        <div className="mt-2">
          <Alert tone="error">{error ?? ""}</Alert>
        </div>
      </Card>
    );
  }
  if (room.hidden) {
    // Someone outside a private room learns nothing about it but the race until they join.
    return (
      <Card className="mx-auto flex max-w-2xl flex-col gap-3">
        <p className="text-sm text-slate-600">Room for {room.race.name}</p>
        <h1 className="text-2xl font-bold">A private room</h1>
        <p className="text-slate-700">Who is in it, and its name, show once you join.</p>
        {actionData?.error ? <Alert tone="error">{actionData.error}</Alert> : null}
        {room.removed ? (
          <Alert tone="warn">{REMOVED_FROM_ROOM}</Alert>
        ) : room.viewerRoom ? (
          <>
            <Alert tone="warn">{`You are already in the room “${room.viewerRoom.name}” for this race.`}</Alert>
            <Link to={`/rooms/${room.viewerRoom.id}`} className="font-medium text-brand-700 underline">
              Go to your room
            </Link>
          </>
        ) : (
          <JoinButton label="Join this private room" />
        )}
      </Card>
    );
  }
  const inThisRoom = room.viewerRoom?.id === room.id;
  const full = room.memberCount >= room.maxMembers;
  const reason =
    room.removed && !inThisRoom
      ? REMOVED_FROM_ROOM
      : room.status === "CLOSED"
      ? `The room “${room.name}” is closed.`
      : inThisRoom
        ? null
        : room.viewerRoom
          ? `You are already in the room “${room.viewerRoom.name}” for this race.`
          : full
            ? `The room “${room.name}” is full (${room.maxMembers} of ${room.maxMembers}).`
            : null;
  return (
    <Card className="mx-auto flex max-w-2xl flex-col gap-3">
      <p className="text-sm text-slate-600">Room for {room.race.name}</p>
      <h1 className="text-2xl font-bold">{room.name}</h1>
      <p className="text-slate-700">
        {room.teamName ? `Team ${room.teamName} · ` : ""}
        {`${room.ownerName}'s room · ${room.memberCount} of ${counted(room.maxMembers, "member")}`}
      </p>
      {actionData?.error ? <Alert tone="error">{actionData.error}</Alert> : reason ? <Alert tone="warn">{reason}</Alert> : null}
      {inThisRoom ? (
        <Link to={`/rooms/${room.id}`} className="font-medium text-brand-700 underline">
          You are in this room: open it
        </Link>
      ) : room.viewerRoom ? (
        <Link to={`/rooms/${room.viewerRoom.id}`} className="font-medium text-brand-700 underline">
          Go to your room
        </Link>
      ) : reason ? null : (
        <JoinButton label={`Join ${room.name}`} />
      )}
    </Card>
  );
}

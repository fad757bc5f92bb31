import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card } from "~/components/ui";
import { joinRoom, roomByCode } from "~/services/rooms.server";
import { requireUser } from "~/utils/auth.server";
import { roomFailure } from "~/utils/room-replies.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.room ? `Join ${data.room.name} · Startline` : "Join a room · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const room = await roomByCode(params.code ?? "", user.id);
  if (!room) return data({ room: null }, { status: 404 });
  return { room };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const room = await joinRoom({ userId: user.id, code: params.code ?? "" });
    return redirect(`/rooms/${room.id}`);
  } catch (error) {
    return roomFailure("join", error);
  }
}

export default function JoinRoomPage() {
  const { room } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  if (!room) {
    return (
      <Card className="mx-auto max-w-2xl">
        <h1 className="text-xl font-bold">Room not found</h1>
        <p className="mt-2 text-slate-700" role="alert">
          No room has this code. Check the link or code with the person who shared it.
        </p>
      </Card>
    );
  }
  const inThisRoom = room.viewerRoom?.id === room.id;
  const full = room.memberCount >= room.maxMembers;
  const reason =
    room.status === "CLOSED"
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
        {room.ownerName}'s room · {room.memberCount} of {room.maxMembers} members
      </p>
      {actionData?.error ? (
        <p role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
          {actionData.error}
        </p>
      ) : reason ? (
        <p role="alert" className="rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
          {reason}
        </p>
      ) : null}
      {inThisRoom ? (
        <Link to={`/rooms/${room.id}`} className="font-medium text-brand-700 underline">
          You are in this room: open it
        </Link>
      ) : room.viewerRoom ? (
        <Link to={`/rooms/${room.viewerRoom.id}`} className="font-medium text-brand-700 underline">
          Go to your room
        </Link>
      ) : reason ? null : (
        <Form method="post">
          <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Joining…">
            Join {room.name}
          </Button>
        </Form>
      )}
    </Card>
  );
}

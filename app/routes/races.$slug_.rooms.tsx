import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { SelectField } from "~/components/fields";
import { Button, Card, Field, FormError, Pagination } from "~/components/ui";
import { LiveIndicator } from "~/components/live-indicator";
import { useLiveSnapshot } from "~/components/use-live-snapshot";
import { findPublicRace } from "~/services/races.server";
import { myRoomForRace, roomsOfRace } from "~/presenters/rooms.server";
import { createRoom, joinRoom } from "~/services/rooms.server";
import { requireUser } from "~/web/auth.server";
import { clientIp } from "~/web/request.server";
import { replyToError } from "~/web/errors.server";
import { pageParam } from "~/validation/pagination";
import { createRoomSchema } from "~/validation/rooms";
import { counted } from "~/lib/plural";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Rooms · ${data.race.name} · Startline` : "Rooms · Startline" }];

async function publicRace(slug: string | undefined) {
  const found = await findPublicRace(slug ?? "");
  if (!found) throw new Response("Not found", { status: 404 });
  if (!found.race) throw redirect(`/races/${found.movedTo}/rooms`, 301);
  return found.race;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const race = await publicRace(params.slug);
  const [list, myRoom] = await Promise.all([roomsOfRace(race.id, pageParam(request)), myRoomForRace(user.id, race.id)]);
  return { race: { id: race.id, name: race.name, slug: race.slug }, list, myRoom };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const race = await publicRace(params.slug);
  const formData = await request.formData();
  if (formData.get("intent") === "join-code") {
    try {
      const room = await joinRoom({ userId: user.id, code: String(formData.get("code") ?? ""), ip: clientIp(request) });
      return redirect(`/rooms/${room.id}`);
    } catch (error) {
      return replyToError(error, { intent: "join-code" });
    }
  }
  const submission = parseWithZod(formData, { schema: createRoomSchema });
  if (submission.status !== "success") return data({ intent: "create" as const, result: submission.reply(), error: null, href: null }, { status: 400 });
  try {
    const room = await createRoom({ raceId: race.id, ownerId: user.id, input: submission.value });
    return redirect(`/rooms/${room.id}`);
  } catch (error) {
    return replyToError(error, { intent: "create", submission });
  }
}

export default function RaceRoomsPage() {
  const { race, list: initial, myRoom } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const { value: list, status: link, refresh: refreshLink } = useLiveSnapshot(`/races/${race.slug}/rooms/live?page=${initial.page}`, initial);
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    lastResult: actionData && "result" in actionData ? actionData.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: createRoomSchema }),
    defaultValue: { maxMembers: "10", visibility: "PUBLIC" },
  });
  const pendingIntent = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-6">
      <div>
        <Link to={`/races/${race.slug}`} className="text-sm font-medium text-brand-700 underline">
          Back to {race.name}
        </Link>
        <h1 className="mt-1 text-2xl font-bold">Rooms for {race.name}</h1>
        <p className="text-slate-700">Sign up together: make a room for your club or friends, or join one.</p>
      </div>

      {myRoom ? (
        <Card>
          <p className="font-semibold" role="status">
            You are in <Link to={`/rooms/${myRoom.id}`} className="text-brand-700 underline">{myRoom.name}</Link>
          </p>
          <p className="mt-1 text-sm text-slate-700">You can be in one room per race. Leave it to create or join another.</p>
        </Card>
      ) : null}

      <Card>
        <div className="flex items-center justify-between gap-2">
          <h2 className="text-xl font-semibold">Public rooms</h2>
          <LiveIndicator status={link} onRefresh={refreshLink} />
        </div>
        {list.rooms.length === 0 ? (
          <p className="mt-3 text-slate-700">No public rooms yet. Create one below and share its link.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200" aria-label="Public rooms">
            {list.rooms.map((room) => (
              <li key={room.id} className="flex items-center justify-between gap-3 py-3">
                <div className="min-w-0">
                  <Link to={`/rooms/${room.id}`} className="font-medium text-brand-700 underline">
                    {room.name}
                  </Link>
                  <p className="text-sm text-slate-700">
                    {room.teamName ? `Team ${room.teamName} · ` : ""}by {room.ownerName}
                  </p>
                </div>
                <span className="shrink-0 text-sm text-slate-800" aria-label={`${room.memberCount} of ${counted(room.maxMembers, "member")}`}>
                  {room.memberCount} / {room.maxMembers}
                </span>
              </li>
            ))}
          </ul>
        )}
        <Pagination page={list.page} pageCount={list.pageCount} hrefFor={(page) => `/races/${race.slug}/rooms?page=${page}`} />
      </Card>

      {myRoom ? null : (
        <>
          <Card>
            <h2 className="text-xl font-semibold">Join with a code</h2>
            <Form method="post" className="mt-3 flex flex-col gap-3">
              <input type="hidden" name="intent" value="join-code" />
              <Field
                id="join-code"
                name="code"
                label="Room code"
                autoComplete="off"
                autoCapitalize="characters"
                required
                errors={actionData?.intent === "join-code" && actionData.error ? [actionData.error] : undefined}
              />
              <Button type="submit" pending={pendingIntent === "join-code"} pendingLabel="Joining…">
                Join room
              </Button>
            </Form>
          </Card>
          <Card>
            <h2 className="text-xl font-semibold">Create a room</h2>
            <Form method="post" {...getFormProps(form)} className="mt-3 flex flex-col gap-4">
              <input type="hidden" name="intent" value="create" />
              <FormError id={form.errorId} errors={form.errors} />
              {actionData?.intent === "create" && actionData.href ? (
                <Link to={actionData.href} className="text-sm font-medium text-brand-700 underline">
                  Go to your room
                </Link>
              ) : null}
              <Field {...getInputProps(fields.name, { type: "text" })} id={fields.name.id} label="Room name" errors={fields.name.errors} />
              <Field {...getInputProps(fields.teamName, { type: "text" })} id={fields.teamName.id} label="Team name (optional)" hint="Printed with each member's entry." errors={fields.teamName.errors} />
              <Field {...getInputProps(fields.maxMembers, { type: "number" })} id={fields.maxMembers.id} label="Maximum members" min={2} max={50} errors={fields.maxMembers.errors} />
              <SelectField
                {...getSelectProps(fields.visibility)}
                id={fields.visibility.id}
                label="Who can find it"
                options={[
                  { value: "PUBLIC", label: "Public: listed here for anyone" },
                  { value: "PRIVATE", label: "Private: only people with the link or code" },
                ]}
                errors={fields.visibility.errors}
              />
              <Button type="submit" pending={pendingIntent === "create"} pendingLabel="Creating…">
                Create room
              </Button>
            </Form>
          </Card>
        </>
      )}
    </div>
  );
}

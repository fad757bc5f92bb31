import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { SelectField, TextAreaField } from "~/components/fields";
import { useUserFeed } from "~/components/live-feed";
import { Badge, Button, Card, Field, Pagination } from "~/components/ui";
import { clubsUnread, publicClubs } from "~/presenters/clubs.server";
import { createClub, joinClub } from "~/services/clubs.server";
import { requireUser } from "~/web/auth.server";
import { clientIp } from "~/web/request.server";
import { replyToError } from "~/web/errors.server";
import { pageParam } from "~/validation/pagination";
import { createClubSchema, joinClubSchema } from "~/validation/clubs";
import { counted } from "~/lib/plural";

export const meta: MetaFunction = () => [{ title: "Clubs · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const [mine, list] = await Promise.all([clubsUnread(user.id), publicClubs(pageParam(request))]);
  return { mine, list };
}

type FieldErrors = Record<string, string[] | undefined>;

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  try {
    if (intent === "create") {
      const submission = parseWithZod(formData, { schema: createClubSchema });
      if (submission.status !== "success") return data({ intent, error: "Check the highlighted fields.", fieldErrors: (submission.error ?? {}) as FieldErrors }, { status: 400 });
      const club = await createClub({ ownerId: user.id, input: submission.value });
      return redirect(`/clubs/${club.id}`);
    }
    if (intent === "join-code") {
      const submission = parseWithZod(formData, { schema: joinClubSchema });
      if (submission.status !== "success") return data({ intent, error: "Enter the club's code.", fieldErrors: (submission.error ?? {}) as FieldErrors }, { status: 400 });
      const club = await joinClub({ userId: user.id, code: submission.value.code, ip: clientIp(request), via: "code" });
      return redirect(`/clubs/${club.id}`);
    }
    return data({ intent, error: "Unknown action.", fieldErrors: {} as FieldErrors }, { status: 400 });
  } catch (error) {
    return replyToError(error, { intent });
  }
}

const TIME_ZONES = ["UTC", "Europe/Dublin", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"];

export default function ClubsPage() {
  const { mine, list } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const feed = useUserFeed();
  const unread = new Map((feed?.clubsUnread ?? mine).map((club) => [club.clubId, club.unread]));
  const pending = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const errorsFor = (intent: string, field: string) => (actionData?.intent === intent && "fieldErrors" in actionData ? actionData.fieldErrors[field] : undefined);
  const formError = (intent: string) => (actionData?.intent === intent ? actionData.error : null);

  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-6">
      <h1 className="text-2xl font-bold">Clubs</h1>
      <Card>
        <h2 className="text-xl font-semibold">Your clubs</h2>
        {mine.length === 0 ? (
          <p className="mt-2 text-slate-700">You are in no club yet. Join one with its code or link, or start your own below.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200" aria-label="Your clubs">
            {mine.map((club) => {
              const count = unread.get(club.clubId) ?? 0;
              return (
                <li key={club.clubId} className="flex items-center justify-between gap-2 py-2">
                  <Link to={`/clubs/${club.clubId}`} className="font-medium text-brand-700 underline">
                    {club.name}
                  </Link>
                  {count > 0 ? <Badge tone="warn">{counted(count, "unread message")}</Badge> : null}
                </li>
              );
            })}
          </ul>
        )}
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Join with a code</h2>
        <Form method="post" className="mt-3 flex flex-col gap-2">
          <input type="hidden" name="intent" value="join-code" />
          <Field id="club-code" name="code" label="Club code" autoComplete="off" required errors={errorsFor("join-code", "code") ?? (formError("join-code") ? [formError("join-code") ?? ""] : undefined)} />
          <Button type="submit" pending={pending === "join-code"} pendingLabel="Joining…">
            Join club
          </Button>
        </Form>
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Start a club</h2>
        {formError("create") ? (
          <p role="alert" className="mt-2 text-sm text-red-700">
            {formError("create")}
          </p>
        ) : null}
        <Form method="post" className="mt-3 flex flex-col gap-3">
          <input type="hidden" name="intent" value="create" />
          <Field id="club-name" name="name" label="Name" maxLength={60} required errors={errorsFor("create", "name")} />
          <TextAreaField id="club-description" name="description" label="Description" rows={3} maxLength={500} errors={errorsFor("create", "description")} />
          <SelectField
            id="club-visibility"
            name="visibility"
            label="Who can join"
            options={[
              { value: "PUBLIC", label: "Public: listed here, anyone with the link or code" },
              { value: "PRIVATE", label: "Private: only people you give the code" },
            ]}
            errors={errorsFor("create", "visibility")}
          />
          <SelectField id="club-time-zone" name="timeZone" label="Time zone of the club's events" options={TIME_ZONES} defaultValue="Europe/Dublin" errors={errorsFor("create", "timeZone")} />
          <Button type="submit" pending={pending === "create"} pendingLabel="Creating…">
            Create club
          </Button>
        </Form>
      </Card>

      <Card>
        <h2 className="text-xl font-semibold">Public clubs</h2>
        {list.clubs.length === 0 ? (
          <p className="mt-2 text-slate-700">No public clubs yet.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200" aria-label="Public clubs">
            {list.clubs.map((club) => (
              <li key={club.id} className="py-2">
                <Link to={`/clubs/${club.id}`} className="font-medium text-brand-700 underline">
                  {club.name}
                </Link>
                <span className="ml-2 text-sm text-slate-600">{counted(club.memberCount, "member")}</span>
                {club.description ? <p className="text-sm text-slate-700">{club.description}</p> : null}
              </li>
            ))}
          </ul>
        )}
        <Pagination page={list.page} pageCount={list.pageCount} hrefFor={(page) => `/clubs?page=${page}`} />
      </Card>
    </div>
  );
}

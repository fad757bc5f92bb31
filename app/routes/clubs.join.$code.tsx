import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card } from "~/components/ui";
import { clubByLink, joinClub } from "~/services/clubs.server";
import { requireUser } from "~/web/auth.server";
import { clientIp, firstInRequest } from "~/web/request.server";
import { replyToError } from "~/web/errors.server";
import { counted } from "~/lib/plural";

/** Without JavaScript a join posts the form and this page's loader runs after the action: one try of the code, counted once. */
const COUNTED = "club-code-counted";
const NOT_FOUND = "No club has this link. A private club is joined with its code, on the clubs page.";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.club ? `Join ${data.club.name} · Startline` : "Join a club · Startline" }];

/** A public club's join link; a private club has none (its code is typed in on /clubs), so it is not found here. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  try {
    const club = await clubByLink(params.code ?? "", { userId: user.id, ip: clientIp(request) }, !firstInRequest(context, COUNTED));
    if (!club) return data({ club: null, error: NOT_FOUND }, { status: 404 });
    return { club, error: null };
  } catch (error) {
    const refusal = replyToError(error);
    return data({ club: null, error: refusal.data.error }, refusal.init ?? undefined);
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireUser(request);
  firstInRequest(context, COUNTED);
  try {
    const club = await joinClub({ userId: user.id, code: params.code ?? "", ip: clientIp(request), via: "link" });
    return redirect(`/clubs/${club.id}`);
  } catch (error) {
    return replyToError(error, { intent: "join" });
  }
}

export default function JoinClubPage() {
  const { club, error } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  if (!club) {
    return (
      <Card className="mx-auto max-w-2xl">
        <h1 className="text-xl font-bold">Club not found</h1>
        <p role="alert" className="mt-2 rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
          {error}
        </p>
        <Link to="/clubs" className="mt-3 inline-block font-medium text-brand-700 underline">
          Go to clubs
        </Link>
      </Card>
    );
  }
  return (
    <Card className="mx-auto flex max-w-2xl flex-col gap-3">
      <h1 className="text-2xl font-bold">{club.name}</h1>
      {club.description ? <p className="whitespace-pre-wrap text-slate-700">{club.description}</p> : null}
      <p className="text-slate-700">{counted(club.memberCount, "member")}</p>
      {actionData?.error ? (
        <p role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
          {actionData.error}
        </p>
      ) : null}
      {club.isMember ? (
        <Link to={`/clubs/${club.id}`} className="font-medium text-brand-700 underline">
          You are a member: open {club.name}
        </Link>
      ) : (
        <Form method="post">
          <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Joining…">
            Join {club.name}
          </Button>
        </Form>
      )}
    </Card>
  );
}

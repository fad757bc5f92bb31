import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Button, Card, FormError } from "~/components/ui";
import { acceptInvite, findInvite, TeamError } from "~/services/team.server";
import { requireUser } from "~/web/auth.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const invite = await findInvite(params.token ?? "");
  if (!invite) throw new Response("This invitation link is not valid. Ask for a new one.", { status: 404 });
  return { invite, email: user.email };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    await acceptInvite(params.token ?? "", user);
    return redirect("/organiser");
  } catch (error) {
    if (error instanceof TeamError) return data({ errors: [error.message] }, { status: 409 });
    throw error;
  }
}

export default function InvitePage() {
  const { invite, email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const expired = new Date(invite.expiresAt) < new Date();
  return (
    <Card className="mx-auto max-w-lg">
      <h1 className="text-2xl font-bold">Join {invite.organisation.name}</h1>
      <p className="mt-2 text-slate-700">
        You are invited as <strong>{invite.role.toLowerCase()}</strong>. You are logged in as {email}.
      </p>
      <FormError id="invite-error" errors={result?.errors} />
      {invite.acceptedAt ? (
        <p className="mt-4">This invitation was already accepted.</p>
      ) : expired ? (
        <p className="mt-4">This invitation has expired. Ask for a new one.</p>
      ) : (
        <Form method="post" className="mt-4">
          <Button type="submit">Accept invitation</Button>
        </Form>
      )}
    </Card>
  );
}

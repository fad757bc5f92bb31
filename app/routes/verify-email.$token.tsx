import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card, Notice } from "~/components/ui";
import { readVerificationLink, verifyEmail, type VerificationLink } from "~/services/email-verification.server";

export const meta: MetaFunction = () => [{ title: "Verify your email address · Startline" }];

/** The signed link is in this page's address: never send it on to another page as a Referer. */
export const headers: HeadersFunction = () => ({ "Referrer-Policy": "no-referrer" });

/** What the page shows for a link: a button to confirm, done, or why it does not work. */
function reply(link: VerificationLink) {
  const view = link.status === "valid" ? { state: link.verified ? ("verified" as const) : ("unconfirmed" as const), email: link.email } : { state: link.status, email: null };
  return data(view, { status: view.state === "expired" ? 410 : view.state === "invalid" ? 404 : 200 });
}

// Opening the link only shows it; the button confirms (a POST), so link checkers and prefetches change nothing.
export async function loader({ params }: LoaderFunctionArgs) {
  return reply(await readVerificationLink(params.token ?? ""));
}

export async function action({ params }: ActionFunctionArgs) {
  return reply(await verifyEmail(params.token ?? ""));
}

export default function VerifyEmailLinkPage() {
  const loaded = useLoaderData<typeof loader>();
  const confirmed = useActionData<typeof action>();
  const { state, email } = confirmed ?? loaded;
  const navigation = useNavigation();
  return (
    <div className="mx-auto max-w-md">
      <Card>
        <h1 className="text-2xl font-bold">Verify your email address</h1>
        {state === "unconfirmed" ? (
          <Form method="post" className="mt-4 flex flex-col gap-4 text-sm">
            <p>{`Confirm that ${email} is your email address.`}</p>
            <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Verifying…">
              Verify my email address
            </Button>
          </Form>
        ) : state === "verified" ? (
          <div className="mt-4 flex flex-col gap-4 text-sm">
            <Notice>{`Thank you: ${email} is verified.`}</Notice>
            <Link className="font-medium text-brand-700 underline" to="/account">
              Go to your account
            </Link>
          </div>
        ) : (
          <p role="alert" className="mt-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
            {state === "expired" ? "This verification link has expired." : "This verification link is not valid."}{" "}
            <Link className="font-medium underline" to="/verify-email">
              Send a new link
            </Link>{" "}
            (log in first if you are asked to).
          </p>
        )}
      </Card>
    </div>
  );
}

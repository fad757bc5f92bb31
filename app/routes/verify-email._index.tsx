import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card, FormError, Notice } from "~/components/ui";
import { resendVerification, VERIFICATION_LINK_HOURS } from "~/services/email-verification.server";
import { RateLimitError } from "~/services/rate-limit.server";
import { requireUser } from "~/web/auth.server";
import { retryAfter } from "~/web/forms.server";

export const meta: MetaFunction = () => [{ title: "Verify your email address · Startline" }];

/** Lets a rate-limited resend answer with its Retry-After header. */
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { email: user.email, verified: Boolean(user.emailVerifiedAt) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  try {
    const { sent } = await resendVerification(user.id);
    return { sentTo: sent ? user.email : null, linkHours: VERIFICATION_LINK_HOURS, errors: [] as string[] };
  } catch (error) {
    if (!(error instanceof RateLimitError)) throw error;
    return data({ sentTo: null, linkHours: VERIFICATION_LINK_HOURS, errors: [error.message] }, { status: error.status, headers: retryAfter(error) });
  }
}

export default function VerifyEmailPage() {
  const { email, verified } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <div className="mx-auto max-w-md">
      <Card>
        <h1 className="text-2xl font-bold">Verify your email address</h1>
        {verified ? (
          <p className="mt-4 text-sm">
            {`${email} is verified.`}{" "}
            <Link className="font-medium text-brand-700 underline" to="/account">
              Back to your account
            </Link>
          </p>
        ) : (
          <div className="mt-4 flex flex-col gap-4 text-sm">
            <p>
              {`We emailed a link to ${email} when you signed up. Open it to confirm the address is yours: organisers need a verified address to publish races and set up payouts.`}
            </p>
            {reply?.sentTo ? <Notice>{`We sent a new link to ${reply.sentTo}. It works for ${reply.linkHours} hours.`}</Notice> : null}
            <FormError id="resend-errors" errors={reply?.errors} />
            <Form method="post">
              <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Sending…">
                Send a new verification link
              </Button>
            </Form>
          </div>
        )}
      </Card>
    </div>
  );
}

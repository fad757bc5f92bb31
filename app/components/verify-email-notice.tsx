import { Form, useNavigation } from "@remix-run/react";
import { Button } from "./ui";

/** Emails the signed-in user a new verification link (the answer shows on /verify-email). */
export function ResendVerificationForm() {
  const navigation = useNavigation();
  const sending = navigation.state === "submitting" && navigation.formAction === "/verify-email";
  return (
    <Form method="post" action="/verify-email" className="mt-2">
      <Button type="submit" variant="secondary" pending={sending} pendingLabel="Sending…">
        Send a new verification link
      </Button>
    </Form>
  );
}

/** Why an organiser action waits for a verified address, with the button that emails a new link. */
export function VerifyEmailNotice({ message }: { message: string }) {
  return (
    <div className="rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="verify-email-notice">
      <p>{message}</p>
      <ResendVerificationForm />
    </div>
  );
}

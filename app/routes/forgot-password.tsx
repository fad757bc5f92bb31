import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, HeadersFunction, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { Button, Card, Field, FormError, Notice } from "~/components/ui";
import { requestPasswordReset } from "~/services/password-reset.server";
import { replyToError } from "~/web/errors.server";
import { clientIp } from "~/web/request.server";
import { forgotPasswordSchema } from "~/validation/auth";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Forgot your password? · Startline" }];

/** Lets a rate-limited request answer with its Retry-After header. */
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: forgotPasswordSchema });
  if (submission.status !== "success") return data({ result: submission.reply(), sentTo: null }, { status: 400 });
  try {
    await requestPasswordReset(submission.value.email, clientIp(request));
  } catch (error) {
    return replyToError(error, { submission });
  }
  // The same answer whether or not the address has an account.
  return { result: submission.reply({ resetForm: true }), sentTo: submission.value.email };
}

export default function ForgotPasswordPage() {
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "forgot-password",
    lastResult: reply?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: forgotPasswordSchema }),
  });
  return (
    <div className="mx-auto max-w-md">
      <Card>
        <h1 className="text-2xl font-bold">Forgot your password?</h1>
        <p className="mt-1 text-sm text-slate-600">Enter the email address of your account and we will send you a link to choose a new password.</p>
        {reply && "sentTo" in reply && reply.sentTo ? (
          <div className="mt-6">
            <Notice>
              {`If an account exists for ${reply.sentTo}, we have sent it a link to choose a new password. The link works once, for 1 hour. Check your spam folder if it does not arrive within a few minutes.`}
            </Notice>
          </div>
        ) : null}
        <Form method="post" {...getFormProps(form)} className="mt-6 flex flex-col gap-4">
          <FormError id={form.errorId} errors={form.errors} />
          <Field label="Email" autoComplete="email" errors={fields.email.errors} {...getInputProps(fields.email, { type: "email" })} />
          <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Sending the link…">
            Send me a reset link
          </Button>
        </Form>
        <p className="mt-6 text-sm">
          Remembered it?{" "}
          <Link className="font-medium text-brand-700 underline" to="/login">
            Log in
          </Link>
        </p>
      </Card>
    </div>
  );
}

import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card, Field, FormError } from "~/components/ui";
import { findPasswordReset, resetPassword } from "~/services/password-reset.server";
import { logIn } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { resetPasswordSchema } from "~/validation/auth";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Choose a new password · Startline" }];

/** The token is in this page's address: never send it on to another page as a Referer. */
export const headers: HeadersFunction = () => ({ "Referrer-Policy": "no-referrer" });

export async function loader({ params }: LoaderFunctionArgs) {
  const reset = await findPasswordReset(params.token ?? "");
  return data({ email: reset?.email ?? null }, { status: reset ? 200 : 410 });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: resetPasswordSchema });
  if (submission.status !== "success") return data({ result: submission.reply({ hideFields: ["password", "confirmPassword"] }) }, { status: 400 });
  try {
    const { userId } = await resetPassword(params.token ?? "", submission.value.password);
    return await logIn(request, userId, "/account");
  } catch (error) {
    return replyToError(error, { submission, hideFields: ["password", "confirmPassword"] });
  }
}

export default function ResetPasswordPage() {
  const { email } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "reset-password",
    lastResult: reply?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: resetPasswordSchema }),
  });
  return (
    <div className="mx-auto max-w-md">
      <Card>
        <h1 className="text-2xl font-bold">Choose a new password</h1>
        {email ? (
          <>
            <p className="mt-1 text-sm text-slate-600">{`For ${email}. Every device signed in to this account will be signed out.`}</p>
            <Form method="post" {...getFormProps(form)} className="mt-6 flex flex-col gap-4">
              <FormError id={form.errorId} errors={form.errors} />
              <Field
                label="New password"
                autoComplete="new-password"
                hint="At least 10 characters."
                errors={fields.password.errors}
                {...getInputProps(fields.password, { type: "password" })}
              />
              <Field
                label="Repeat the new password"
                autoComplete="new-password"
                errors={fields.confirmPassword.errors}
                {...getInputProps(fields.confirmPassword, { type: "password" })}
              />
              <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Saving…">
                Save the new password
              </Button>
            </Form>
          </>
        ) : (
          <p role="alert" className="mt-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
            This reset link has expired or was already used.{" "}
            <Link className="font-medium underline" to="/forgot-password">
              Ask for a new one
            </Link>
            .
          </p>
        )}
      </Card>
    </div>
  );
}

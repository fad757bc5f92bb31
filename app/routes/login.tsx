import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { Button, Card, Field, FormError } from "~/components/ui";
import { authenticator, logIn, requireAnonymous } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { loginSchema, safeRedirect } from "~/validation/auth";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Log in · Startline" }];

/** Lets a rate-limited login answer with its Retry-After header. */
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request);
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.clone().formData(), { schema: loginSchema });
  if (submission.status !== "success") return data({ result: submission.reply({ hideFields: ["password"] }) }, { status: 400 });
  try {
    const user = await authenticator.authenticate("password", request);
    return await logIn(request, user.id, submission.value.redirectTo);
  } catch (error) {
    return replyToError(error, { submission, hideFields: ["password"] });
  }
}

export default function LoginPage() {
  const reply = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const redirectTo = safeRedirect(searchParams.get("redirectTo"));
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "login",
    lastResult: reply?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: loginSchema }),
  });
  return (
    <div className="mx-auto max-w-md">
      <Card>
        <h1 className="text-2xl font-bold">Log in</h1>
        <p className="mt-1 text-sm text-slate-600">Welcome back to Startline.</p>
        <Form method="post" {...getFormProps(form)} className="mt-6 flex flex-col gap-4">
          <FormError id={form.errorId} errors={form.errors} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <Field label="Email" autoComplete="email" errors={fields.email.errors} {...getInputProps(fields.email, { type: "email" })} />
          <Field
            label="Password"
            autoComplete="current-password"
            errors={fields.password.errors}
            {...getInputProps(fields.password, { type: "password" })}
          />
          <Link className="-mt-2 self-start text-sm font-medium text-brand-700 underline" to="/forgot-password">
            Forgot your password?
          </Link>
          <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Logging in…">
            Log in
          </Button>
        </Form>
        <p className="mt-6 text-sm">
          New to Startline?{" "}
          <Link className="font-medium text-brand-700 underline" to={{ pathname: "/signup", search: `?${new URLSearchParams({ redirectTo })}` }}>
            Create an account
          </Link>
        </p>
      </Card>
    </div>
  );
}

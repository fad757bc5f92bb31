import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { Button, Card, Field, FormError } from "~/components/ui";
import { signUp } from "~/services/users.server";
import { logIn, requireAnonymous } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { clientIp } from "~/web/request.server";
import { safeRedirect, signupSchema } from "~/validation/auth";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Create an account · Startline" }];

/** Lets a rate-limited sign-up answer with its Retry-After header. */
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request);
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: signupSchema });
  if (submission.status !== "success") return data({ result: submission.reply({ hideFields: ["password"] }) }, { status: 400 });
  try {
    const user = await signUp(submission.value, clientIp(request));
    return await logIn(request, user.id, submission.value.redirectTo);
  } catch (error) {
    return replyToError(error, { submission, hideFields: ["password"] });
  }
}

export default function SignupPage() {
  const reply = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const redirectTo = safeRedirect(searchParams.get("redirectTo"));
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "signup",
    lastResult: reply?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: signupSchema }),
  });
  return (
    <div className="mx-auto max-w-md">
      <Card>
        <h1 className="text-2xl font-bold">Create your account</h1>
        <p className="mt-1 text-sm text-slate-600">Register for races and keep your tickets in one place.</p>
        <Form method="post" {...getFormProps(form)} className="mt-6 flex flex-col gap-4">
          <FormError id={form.errorId} errors={form.errors} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <Field label="Full name" autoComplete="name" errors={fields.name.errors} {...getInputProps(fields.name, { type: "text" })} />
          <Field label="Email" autoComplete="email" errors={fields.email.errors} {...getInputProps(fields.email, { type: "email" })} />
          <Field
            label="Password"
            autoComplete="new-password"
            hint="At least 10 characters."
            errors={fields.password.errors}
            {...getInputProps(fields.password, { type: "password" })}
          />
          <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Creating your account…">
            Create account
          </Button>
        </Form>
        <p className="mt-6 text-sm">
          Already have an account?{" "}
          <Link className="font-medium text-brand-700 underline" to={{ pathname: "/login", search: `?${new URLSearchParams({ redirectTo })}` }}>
            Log in
          </Link>
        </p>
      </Card>
    </div>
  );
}

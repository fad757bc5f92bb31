import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Card, Field, FormError, Notice } from "~/components/ui";
import { adjustCredits, newAdjustmentKey } from "~/services/billing.server";
import { requireOperator } from "~/web/auth.server";
import { replyToError } from "~/web/errors.server";
import { adjustCreditsSchema } from "~/validation/billing";
import { counted } from "~/lib/plural";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Adjust credits · Startline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireOperator(request);
  return { requestKey: newAdjustmentKey() };
}

export async function action({ request }: ActionFunctionArgs) {
  const operator = await requireOperator(request);
  const submission = parseWithZod(await request.formData(), { schema: adjustCreditsSchema });
  if (submission.status !== "success") return data({ result: submission.reply(), done: null }, { status: 400 });
  try {
    const { balance, created } = await adjustCredits({ operatorName: operator.name, ...submission.value });
    const done = created ? `Done: ${submission.value.email} now has ${counted(balance, "credit")}.` : `Already applied: ${submission.value.email} has ${counted(balance, "credit")}.`;
    return { result: submission.reply({ resetForm: true }), done };
  } catch (error) {
    return replyToError(error, { submission });
  }
}

export default function AdjustCreditsPage() {
  const { requestKey } = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "adjust-credits",
    lastResult: reply?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: adjustCreditsSchema }),
  });
  return (
    <Card className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">Adjust credits</h1>
      <p className="mt-1 text-sm text-slate-600">A positive number adds credits that never expire; a negative number takes credits back. The reason shows in the user's history.</p>
      <Notice>{reply && "done" in reply ? reply.done : null}</Notice>
      <Form method="post" {...getFormProps(form)} className="mt-6 flex flex-col gap-4">
        <FormError id={form.errorId} errors={form.errors} />
        <input type="hidden" name="requestKey" value={requestKey} />
        <Field label="User's email" autoComplete="off" errors={fields.email.errors} {...getInputProps(fields.email, { type: "email" })} />
        <Field label="Credits (+ to add, − to take back)" inputMode="numeric" errors={fields.amount.errors} {...getInputProps(fields.amount, { type: "text" })} />
        <Field label="Reason" errors={fields.reason.errors} {...getInputProps(fields.reason, { type: "text" })} />
        <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Saving…">
          Apply adjustment
        </Button>
      </Form>
    </Card>
  );
}

import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { QuestionFields } from "~/components/question-fields";
import { Badge, Button, Card, FormError } from "~/components/ui";
import { raceQuestion, updateQuestion } from "~/services/questions.server";
import { requireRaceRole } from "~/web/access.server";
import { submitToService } from "~/web/forms.server";
import { questionSchema } from "~/validation/questions";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Edit question · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const question = await raceQuestion(race.id, params.questionId ?? "");
  if (!question) throw new Response("Not found", { status: 404 });
  return { race, question };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const submission = parseWithZod(await request.formData(), { schema: questionSchema });
  return submitToService(
    "update",
    submission,
    (input) => updateQuestion({ raceId: race.id, actorId: user.id }, params.questionId ?? "", input),
    `/organiser/races/${race.id}/questions`,
  );
}

export default function EditQuestionPage() {
  const { race, question } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>()?.result;
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "edit-question",
    lastResult,
    defaultValue: { label: question.label, kind: question.kind, options: question.options.join("\n"), required: question.required ? "on" : undefined },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: questionSchema }),
  });
  return (
    <div className="flex flex-col gap-6">
      <p className="text-sm">
        <Link to={`/organiser/races/${race.id}/questions`} className="text-brand-700 underline">
          All questions
        </Link>
      </p>
      <Card>
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="text-xl font-bold">Edit question</h2>
          {question.archivedAt ? <Badge>archived</Badge> : null}
        </div>
        <p className="mt-1 text-sm text-slate-700">Answers already given stay as they are; new participant forms use the edited question.</p>
        <Form method="post" {...getFormProps(form)} className="mt-4 flex flex-col gap-4">
          <FormError id={form.errorId} errors={form.errors} />
          <QuestionFields fields={fields} />
          <Button type="submit" className="self-start" pending={navigation.state === "submitting"} pendingLabel="Saving…">
            Save question
          </Button>
        </Form>
      </Card>
    </div>
  );
}

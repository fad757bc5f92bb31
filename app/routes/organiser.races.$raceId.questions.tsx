import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { z } from "zod";
import { QuestionFields } from "~/components/question-fields";
import { Badge, Button, Card, FormError } from "~/components/ui";
import { createQuestion, moveQuestion, raceQuestions, setQuestionArchived, setStandardFields } from "~/services/questions.server";
import { requireRaceRole } from "~/web/access.server";
import { submitToService } from "~/web/forms.server";
import {
  moveQuestionSchema,
  questionIdSchema,
  questionKindLabels,
  questionSchema,
  STANDARD_FIELDS,
  standardFieldLabels,
  standardFieldsSchema,
} from "~/validation/questions";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Participant questions · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  return { race, ...(await raceQuestions(race.id)) };
}

const intents = ["standard-fields", "create", "move", "archive", "restore"] as const;

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const formData = await request.formData();
  const intent = intents.find((known) => known === formData.get("intent"));
  if (!intent) throw new Response("Unknown action", { status: 400 });
  const actor = { raceId: race.id, actorId: user.id };
  const page = `/organiser/races/${race.id}/questions`;
  const parse = <Schema extends z.ZodTypeAny>(schema: Schema) => parseWithZod(formData, { schema });
  switch (intent) {
    case "standard-fields":
      return submitToService(intent, parse(standardFieldsSchema), ({ standardFields }) => setStandardFields(actor, standardFields), page);
    case "create":
      return submitToService(intent, parse(questionSchema), (input) => createQuestion(actor, input), page);
    case "move":
      return submitToService(intent, parse(moveQuestionSchema), ({ questionId, direction }) => moveQuestion(actor, questionId, direction), page);
    case "archive":
    case "restore":
      return submitToService(intent, parse(questionIdSchema), ({ questionId }) => setQuestionArchived(actor, questionId, intent === "archive"), page);
  }
}

type Question = ReturnType<typeof useLoaderData<typeof loader>>["active"][number];

function QuestionSummary({ question }: { question: Question }) {
  return (
    <div className="flex flex-col gap-1">
      <p className="font-semibold">{question.label}</p>
      <p className="flex flex-wrap gap-2 text-sm text-slate-700">
        <Badge>{questionKindLabels[question.kind]}</Badge>
        {question.required ? <Badge tone="warn">required</Badge> : <Badge>optional</Badge>}
        {question.options.length ? <span>Options: {question.options.join(", ")}</span> : null}
      </p>
    </div>
  );
}

/** Remounted (keyed by the question count) after each added question, so it starts empty again. */
function NewQuestionForm() {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "new-question",
    lastResult: actionData?.intent === "create" ? actionData.result : undefined,
    defaultValue: { kind: "TEXT" },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: questionSchema }),
  });
  return (
    <Form method="post" {...getFormProps(form)} className="mt-4 flex flex-col gap-4">
      <FormError id={form.errorId} errors={form.errors} />
      <QuestionFields fields={fields} />
      <Button
        type="submit"
        name="intent"
        value="create"
        className="self-start"
        pending={navigation.state === "submitting" && navigation.formData?.get("intent") === "create"}
        pendingLabel="Adding…"
      >
        Add question
      </Button>
    </Form>
  );
}

export default function QuestionsPage() {
  const { race, standardFields, active, archived } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busyWith = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;
  const otherErrors = actionData && actionData.intent !== "create" ? Object.values(actionData.result.error ?? {}).flatMap((errors) => errors ?? []) : [];
  const questionPath = (id: string) => `/organiser/races/${race.id}/questions/${id}`;

  return (
    <div className="flex flex-col gap-8">
      <FormError id="questions-error" errors={otherErrors} />
      <Card>
        <Form method="post">
          <fieldset>
            <legend className="text-xl font-bold">Standard fields</legend>
            <p className="mt-1 text-sm text-slate-700">Name and email are always asked. Choose what else every participant fills in.</p>
            <div className="mt-4 grid gap-2 sm:grid-cols-2">
              {STANDARD_FIELDS.map((field) => (
                <div key={field} className="flex min-h-11 items-center gap-3">
                  <input
                    id={`standard-${field}`}
                    type="checkbox"
                    name="standardFields"
                    value={field}
                    defaultChecked={standardFields.includes(field)}
                    className="h-5 w-5 rounded border-slate-300"
                  />
                  <label htmlFor={`standard-${field}`} className="text-sm font-medium">
                    {standardFieldLabels[field]}
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
          <Button type="submit" name="intent" value="standard-fields" variant="secondary" className="mt-4" pending={busyWith === "standard-fields"} pendingLabel="Saving…">
            Save standard fields
          </Button>
        </Form>
      </Card>

      <section aria-labelledby="questions-heading">
        <h2 id="questions-heading" className="text-xl font-bold">
          Custom questions
        </h2>
        {active.length === 0 ? (
          <p className="mt-2 text-slate-700">No custom questions yet. Add one below, e.g. a start wave choice or a rules checkbox.</p>
        ) : (
          <ol className="mt-4 flex flex-col gap-3">
            {active.map((question, index) => (
              <li key={question.id}>
                <Card className="flex flex-col gap-3">
                  <QuestionSummary question={question} />
                  <div className="flex flex-wrap gap-2">
                    <Form method="post" className="flex gap-2">
                      <input type="hidden" name="intent" value="move" />
                      <input type="hidden" name="questionId" value={question.id} />
                      <Button type="submit" name="direction" value="up" variant="secondary" disabled={index === 0}>
                        Move up<span className="sr-only">: {question.label}</span>
                      </Button>
                      <Button type="submit" name="direction" value="down" variant="secondary" disabled={index === active.length - 1}>
                        Move down<span className="sr-only">: {question.label}</span>
                      </Button>
                    </Form>
                    <Form method="post">
                      <input type="hidden" name="questionId" value={question.id} />
                      <Button type="submit" name="intent" value="archive" variant="ghost">
                        Archive<span className="sr-only">: {question.label}</span>
                      </Button>
                    </Form>
                    <Link className="inline-flex min-h-11 items-center px-2 text-sm font-medium text-brand-700 underline" to={questionPath(question.id)}>
                      Edit<span className="sr-only">: {question.label}</span>
                    </Link>
                  </div>
                </Card>
              </li>
            ))}
          </ol>
        )}
      </section>

      <Card>
        <h2 className="text-xl font-bold">Add a question</h2>
        <NewQuestionForm key={active.length + archived.length} />
      </Card>

      {archived.length > 0 ? (
        <section aria-labelledby="archived-questions-heading">
          <h2 id="archived-questions-heading" className="text-xl font-bold">
            Archived questions
          </h2>
          <p className="mt-1 text-sm text-slate-700">Not asked any more; answers already given are kept.</p>
          <ul className="mt-4 flex flex-col gap-3">
            {archived.map((question) => (
              <li key={question.id}>
                <Card className="flex flex-col gap-3">
                  <QuestionSummary question={question} />
                  <Form method="post">
                    <input type="hidden" name="questionId" value={question.id} />
                    <Button type="submit" name="intent" value="restore" variant="secondary">
                      Ask again<span className="sr-only">: {question.label}</span>
                    </Button>
                  </Form>
                </Card>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

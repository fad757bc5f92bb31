import { getFormProps, getInputProps, getTextareaProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AiWaiverSummaryPanel } from "~/components/ai-waiver-summary-panel";
import { TextAreaField } from "~/components/fields";
import { Badge, Button, Card, Field, FormError, Notice, Pagination } from "~/components/ui";
import { latestAiJob } from "~/presenters/ai-jobs.server";
import { hashPrefix } from "~/services/waiver-hash.server";
import { waiverPage } from "~/presenters/waivers.server";
import { saveWaiver, updateGuardianAge } from "~/services/waivers.server";
import { requireRaceRole } from "~/web/access.server";
import { getEnv } from "~/utils/env.server";
import { viewerLocale } from "~/web/locale.server";
import { formatInZone } from "~/lib/time";
import { pageParam } from "~/validation/pagination";
import { guardianAgeSchema, waiverSchema } from "~/validation/waivers";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

export const meta: MetaFunction = () => [{ title: "Waiver · Startline" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const page = pageParam(request);
  const [{ inForce, history, guardianUnderAge }, aiSummary] = await Promise.all([waiverPage(race.id, page), latestAiJob(user.id, "WAIVER_SUMMARY", race.id)]);
  const locale = viewerLocale(request);
  return {
    race,
    guardianUnderAge,
    ai: { configured: getEnv().aiConfigured, summary: aiSummary },
    inForce: inForce && { version: inForce.version, title: inForce.title, text: inForce.text, hashPrefix: hashPrefix(inForce.contentHash) },
    page,
    pageCount: history.pageCount,
    // Formatted here so the browser hydrates the same text its own time-zone data might spell differently.
    versions: history.items.map(({ contentHash, createdAt, ...version }) => ({
      ...version,
      savedAt: formatInZone(createdAt, race.timeZone, locale),
      hashPrefix: hashPrefix(contentHash),
    })),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { race, user } = await requireRaceRole(request, params.raceId, "MANAGER");
  const formData = await request.formData();
  if (formData.get("intent") === "guardian-age") {
    const submission = parseWithZod(formData, { schema: guardianAgeSchema });
    if (submission.status !== "success") return data({ intent: "guardian-age", result: submission.reply(), notice: null }, { status: 400 });
    const { changed } = await updateGuardianAge({ raceId: race.id, actorId: user.id, ...submission.value });
    const age = submission.value.guardianUnderAge;
    const notice = changed ? `Saved: participants under ${age} on race day need a guardian.` : "Nothing changed: that is already the guardian age.";
    return { intent: "guardian-age", result: submission.reply(), notice };
  }
  const submission = parseWithZod(formData, { schema: waiverSchema });
  if (submission.status !== "success") return data({ intent: "waiver", result: submission.reply(), notice: null }, { status: 400 });
  const saved = await saveWaiver({ raceId: race.id, actorId: user.id, ...submission.value });
  const notice = saved.created
    ? `Saved as version ${saved.version}. New signatures use it; earlier signatures keep the version they signed.`
    : `No changes: the content is the same as version ${saved.version}, so no new version was created.`;
  return { intent: "waiver", result: submission.reply(), notice };
}

export default function WaiverPage() {
  const { race, guardianUnderAge, inForce, versions, page, pageCount, ai } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const submittingIntent = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;

  const [waiverForm, waiverFields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "waiver",
    lastResult: actionData?.intent === "waiver" ? actionData.result : undefined,
    defaultValue: { title: inForce?.title ?? "", text: inForce?.text ?? "" },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: waiverSchema }),
  });
  const [guardianForm, guardianFields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "guardian-age",
    lastResult: actionData?.intent === "guardian-age" ? actionData.result : undefined,
    defaultValue: { guardianUnderAge: String(guardianUnderAge) },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: guardianAgeSchema }),
  });

  return (
    <div className="flex flex-col gap-6">
      <Card>
        <h2 className="text-xl font-bold">Waiver</h2>
        <p className="mt-1 text-sm text-slate-600">
          {inForce ? (
            <>
              Version {inForce.version} is in force (hash <code>{inForce.hashPrefix}</code>). Saving changes creates version {inForce.version + 1};
              people who already signed keep the version they signed.
            </>
          ) : (
            "There is no waiver yet. Write one below; participants will sign it when they register."
          )}
        </p>
        <Form method="post" {...getFormProps(waiverForm)} className="mt-6 flex flex-col gap-4">
          <input type="hidden" name="intent" value="waiver" />
          <FormError id={waiverForm.errorId} errors={waiverForm.errors} />
          {actionData?.intent === "waiver" ? <Notice>{actionData.notice}</Notice> : null}
          <Field label="Title" errors={waiverFields.title.errors} {...getInputProps(waiverFields.title, { type: "text" })} />
          <TextAreaField
            label="Waiver text"
            hint="Plain text. Line breaks are kept exactly as you type them."
            rows={14}
            errors={waiverFields.text.errors}
            {...getTextareaProps(waiverFields.text)}
          />
          <Button type="submit" className="self-start" pending={submittingIntent === "waiver"} pendingLabel="Saving…">
            {inForce ? "Save as a new version" : "Save the waiver"}
          </Button>
        </Form>
      </Card>
      <AiWaiverSummaryPanel raceId={race.id} configured={ai.configured} hasWaiver={inForce !== null} latest={ai.summary} />

      <Card>
        <h2 className="text-xl font-bold">Guardian signature</h2>
        <Form method="post" {...getFormProps(guardianForm)} className="mt-4 flex flex-col gap-4">
          <input type="hidden" name="intent" value="guardian-age" />
          <FormError id={guardianForm.errorId} errors={guardianForm.errors} />
          {actionData?.intent === "guardian-age" ? <Notice>{actionData.notice}</Notice> : null}
          <Field
            label="Guardian needed under age"
            hint="Participants younger than this on race day need a parent or guardian to sign too. 0 means never."
            inputMode="numeric"
            min={0}
            max={25}
            errors={guardianFields.guardianUnderAge.errors}
            {...getInputProps(guardianFields.guardianUnderAge, { type: "number" })}
          />
          <Button type="submit" className="self-start" pending={submittingIntent === "guardian-age"} pendingLabel="Saving…">
            Save guardian age
          </Button>
        </Form>
      </Card>

      <Card>
        <h2 className="text-xl font-bold">Version history</h2>
        {versions.length === 0 ? (
          <p className="mt-4 text-slate-700">No versions yet. Your first save becomes version 1.</p>
        ) : (
          <ul className="mt-4 divide-y divide-slate-200">
            {versions.map((version, index) => (
              <li key={version.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
                <div>
                  <p className="font-medium">
                    Version {version.version}{" "}
                    {page === 1 && index === 0 ? <Badge tone="good">in force</Badge> : null}
                  </p>
                  <p className="text-sm text-slate-700">
                    {version.savedAt} · {version.author} · hash <code>{version.hashPrefix}</code>
                  </p>
                  <p className="text-sm text-slate-700">
                    {version.signatureCount === 1 ? "1 signature" : `${version.signatureCount} signatures`}
                  </p>
                </div>
                <Link to={`/organiser/races/${race.id}/waiver/${version.version}`} className="text-sm font-medium text-brand-700 underline">
                  View version {version.version}
                </Link>
              </li>
            ))}
          </ul>
        )}
        <Pagination page={page} pageCount={pageCount} hrefFor={(p) => `?page=${p}`} />
      </Card>
    </div>
  );
}

import { getFormProps, getInputProps, getSelectProps, useForm, type DefaultValue, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { StandardField } from "@prisma/client";
import { Form, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import type { z } from "zod";
import { participantFormSchema } from "~/validation/checkout";
import { GENDER_OPTIONS, TSHIRT_SIZES, type ParticipantQuestion } from "~/validation/participant-answers";
import { SelectField } from "./fields";
import { Badge, Button, Field, FormError } from "./ui";
import { checkOnSubmitThenAsTyped } from "./form-validation";

export type SavedParticipant = Record<string, unknown> & { answers?: unknown; signedName?: string; guardianName?: string | null };

type Props = {
  ticketId: string;
  position: number;
  ticketTypeName: string;
  standardFields: StandardField[];
  questions: ParticipantQuestion[];
  waiver: { title: string; text: string; version: number } | null;
  guardianUnderAge: number;
  saved: SavedParticipant | null;
  buyer: { name: string; email: string };
  lastResult?: SubmissionResult<string[]> | null;
};

type ParticipantShape = {
  firstName: string;
  lastName: string;
  email: string;
  dateOfBirth?: string;
  gender?: string;
  emergencyName?: string;
  emergencyPhone?: string;
  club?: string;
  tshirtSize?: string;
  answers: Record<string, string | boolean>;
};
type FormShape = { ticketId: string; participant: ParticipantShape; signedName: string; guardianName?: string };

const draftKey = (ticketId: string) => `startline:participant:${ticketId}`;

/** Sets an uncontrolled input the way typing does, so conform and the browser both see it. */
function setField(form: HTMLFormElement, name: string, value: string) {
  const field = form.elements.namedItem(name);
  if (field instanceof HTMLInputElement && field.type === "checkbox") field.checked = value === "on";
  else if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement || field instanceof HTMLTextAreaElement) field.value = value;
  else return;
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.dispatchEvent(new Event("change", { bubbles: true }));
}

/** The waiver in a scroll box; the signature unlocks once the end has been reached (or there is nothing to scroll). */
function WaiverBox({ waiver, onRead, id }: { waiver: NonNullable<Props["waiver"]>; onRead: () => void; id: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight <= el.clientHeight + 4) onRead();
  }, [onRead]);
  return (
    <div
      ref={box}
      id={id}
      tabIndex={0}
      role="document"
      aria-label={`Waiver: ${waiver.title} (version ${waiver.version})`}
      onScroll={(event) => {
        const el = event.currentTarget;
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 8) onRead();
      }}
      className="max-h-48 overflow-y-auto whitespace-pre-wrap rounded-lg bg-slate-50 p-3 text-sm ring-1 ring-slate-200"
    >
      <p className="font-semibold">{waiver.title}</p>
      {waiver.text}
    </div>
  );
}

export function ParticipantForm(props: Props) {
  const { ticketId, position, ticketTypeName, standardFields, questions, waiver, guardianUnderAge, saved, buyer, lastResult } = props;
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  const [read, setRead] = useState(true);
  useEffect(() => {
    // A half-filled form survives a reload: restore what was typed but not yet saved.
    if (saved) return;
    const stored = sessionStorage.getItem(draftKey(ticketId));
    if (stored && formRef.current) {
      for (const [name, value] of JSON.parse(stored) as [string, string][]) setField(formRef.current, name, value);
    }
    setRead(false);
  }, [saved, ticketId]);
  const schema = participantFormSchema(standardFields, questions);
  const defaults = { ticketId, ...(saved ? { participant: saved, signedName: saved.signedName, guardianName: saved.guardianName ?? undefined } : {}) };
  const [form, fields] = useForm<FormShape, z.output<typeof schema>>({
    id: `participant-${ticketId}`,
    lastResult,
    ...checkOnSubmitThenAsTyped,
    defaultValue: defaults as DefaultValue<FormShape>,
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  const participant = fields.participant.getFieldset();
  const answers = participant.answers.getFieldset();
  const asks = (field: StandardField) => standardFields.includes(field);
  const saving = navigation.formData?.get("ticketId") === ticketId;

  const copyMine = () => {
    const element = formRef.current;
    if (!element) return;
    const [first, ...rest] = buyer.name.trim().split(/\s+/);
    setField(element, participant.firstName.name, first ?? "");
    setField(element, participant.lastName.name, rest.join(" "));
    setField(element, participant.email.name, buyer.email);
  };

  return (
    <Form
      method="post"
      {...getFormProps(form)}
      ref={formRef}
      onChange={(event) => {
        const entries = [...new FormData(event.currentTarget)].filter(([name]) => name !== "intent" && name !== "ticketId");
        sessionStorage.setItem(draftKey(ticketId), JSON.stringify(entries));
      }}
      onSubmit={() => sessionStorage.removeItem(draftKey(ticketId))}
      className="flex flex-col gap-4"
      aria-labelledby={`${form.id}-title`}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={`${form.id}-title`} className="text-lg font-semibold">{`Participant ${position}: ${ticketTypeName}`}</h3>
        {saved ? <Badge tone="good">Saved and signed</Badge> : <Badge tone="warn">To fill in</Badge>}
      </div>
      <input type="hidden" name="intent" value="participant" />
      <input type="hidden" name={fields.ticketId.name} value={ticketId} />
      <FormError id={form.errorId} errors={form.errors} />
      <Button type="button" variant="secondary" onClick={copyMine} className="self-start">
        Use my details
      </Button>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="First name" autoComplete="off" errors={participant.firstName.errors} {...getInputProps(participant.firstName, { type: "text" })} />
        <Field label="Last name" autoComplete="off" errors={participant.lastName.errors} {...getInputProps(participant.lastName, { type: "text" })} />
        <Field label="Participant's email" autoComplete="off" errors={participant.email.errors} {...getInputProps(participant.email, { type: "email" })} />
        {asks("DATE_OF_BIRTH") ? <Field label="Date of birth" errors={participant.dateOfBirth.errors} {...getInputProps(participant.dateOfBirth, { type: "date" })} /> : null}
        {asks("GENDER") ? (
          <SelectField label="Gender" options={[{ value: "", label: "Choose…" }, ...GENDER_OPTIONS]} errors={participant.gender.errors} {...getSelectProps(participant.gender)} />
        ) : null}
        {asks("TSHIRT_SIZE") ? (
          <SelectField label="T-shirt size" options={[{ value: "", label: "Choose…" }, ...TSHIRT_SIZES]} errors={participant.tshirtSize.errors} {...getSelectProps(participant.tshirtSize)} />
        ) : null}
        {asks("CLUB") ? <Field label="Club (optional)" errors={participant.club.errors} {...getInputProps(participant.club, { type: "text" })} /> : null}
        {asks("EMERGENCY_CONTACT") ? (
          <>
            <Field label="Emergency contact name" errors={participant.emergencyName.errors} {...getInputProps(participant.emergencyName, { type: "text" })} />
            <Field label="Emergency contact phone" errors={participant.emergencyPhone.errors} {...getInputProps(participant.emergencyPhone, { type: "tel" })} />
          </>
        ) : null}
      </div>
      {questions.map((question) => {
        const answer = answers[question.id]!;
        const label = `${question.label}${question.required ? "" : " (optional)"}`;
        if (question.kind === "CHECKBOX") {
          return (
            <div key={question.id} className="flex flex-col gap-1">
              <label className="flex min-h-11 items-center gap-3 text-sm font-medium">
                <input {...getInputProps(answer, { type: "checkbox" })} className="h-5 w-5" />
                {label}
              </label>
              {answer.errors?.length ? (
                <p id={answer.errorId} role="alert" className="text-sm text-red-700">
                  {answer.errors.join(" ")}
                </p>
              ) : null}
            </div>
          );
        }
        if (question.kind === "CHOICE") {
          return (
            <div key={question.id}>
              <SelectField label={label} options={[{ value: "", label: "Choose…" }, ...question.options]} errors={answer.errors} {...getSelectProps(answer)} />
            </div>
          );
        }
        return (
          <div key={question.id}>
            <Field label={label} errors={answer.errors} {...getInputProps(answer, { type: "text" })} />
          </div>
        );
      })}
      {waiver ? (
        <fieldset className="flex flex-col gap-3">
          <legend className="font-semibold">Waiver</legend>
          <WaiverBox waiver={waiver} id={`${form.id}-waiver`} onRead={() => setRead(true)} />
          {!read ? <p className="text-xs text-slate-600">Scroll to the end of the waiver to sign it.</p> : null}
          <Field
            label="Type the participant's full name to sign"
            hint="Your typed name is your signature; we record it with the date, your IP address and the waiver version."
            disabled={!read}
            errors={fields.signedName.errors}
            {...getInputProps(fields.signedName, { type: "text" })}
          />
          <Field
            label={`Parent or guardian's full name (needed if under ${guardianUnderAge} on race day)`}
            errors={fields.guardianName.errors}
            {...getInputProps(fields.guardianName, { type: "text" })}
          />
        </fieldset>
      ) : (
        <p className="text-sm text-red-700">The organiser has not published a waiver yet, so registration cannot be completed.</p>
      )}
      <Button type="submit" variant="secondary" pending={saving} pendingLabel="Saving…" disabled={!waiver}>
        {`Save participant ${position}`}
      </Button>
    </Form>
  );
}

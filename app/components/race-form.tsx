import { getFormProps, getInputProps, getSelectProps, getTextareaProps, useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form, useNavigation } from "@remix-run/react";
import { isPastLocalTime } from "~/lib/time";
import { currencies, raceSchema } from "~/validation/races";
import { SelectField, TextAreaField } from "./fields";
import { Button, Field, FormError } from "./ui";
import { checkOnSubmitThenAsTyped } from "./form-validation";

export type RaceFormValues = {
  name: string;
  slug: string;
  description: string;
  faq: string;
  location: string;
  timeZone: string;
  startsAt: string;
  registrationOpensAt: string;
  registrationClosesAt: string;
  currency: string;
  holdMinutes: number;
  taxMode: string;
  taxRatePercent: number;
};

const taxModes = [
  { value: "NONE", label: "No tax on entries" },
  { value: "FIXED_RATE", label: "A fixed rate added to the price" },
  { value: "STRIPE_TAX", label: "Stripe Tax calculates it at payment" },
];

const commonZones = [
  "Europe/Dublin",
  "Europe/London",
  "Europe/Paris",
  "Europe/Berlin",
  "Europe/Madrid",
  "Europe/Stockholm",
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "America/Toronto",
  "Australia/Sydney",
  "Pacific/Auckland",
  "UTC",
];

export function RaceForm({ defaultValue, lastResult, submitLabel }: { defaultValue?: RaceFormValues; lastResult?: SubmissionResult<string[]> | null; submitLabel: string }) {
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "race",
    lastResult,
    defaultValue: defaultValue ?? { timeZone: "Europe/Dublin", currency: "EUR", holdMinutes: 30, taxMode: "NONE", taxRatePercent: 0 },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: raceSchema }),
  });
  const zones = defaultValue && !commonZones.includes(defaultValue.timeZone) ? [defaultValue.timeZone, ...commonZones] : commonZones;
  return (
    <Form method="post" {...getFormProps(form)} className="flex flex-col gap-4">
      <FormError id={form.errorId} errors={form.errors} />
      <Field label="Race name" errors={fields.name.errors} {...getInputProps(fields.name, { type: "text" })} />
      <Field
        label="Web address"
        hint="Shown as /races/your-address. Leave empty to make one from the name. Old addresses keep working."
        errors={fields.slug.errors}
        {...getInputProps(fields.slug, { type: "text" })}
      />
      <Field label="Location" errors={fields.location.errors} {...getInputProps(fields.location, { type: "text" })} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="Start date and time"
          warning={isPastLocalTime(fields.startsAt.value, fields.timeZone.value, new Date()) ? "This date is in the past: nobody can register for a race that is over. Check the year." : null}
          errors={fields.startsAt.errors}
          {...getInputProps(fields.startsAt, { type: "datetime-local" })}
        />
        <SelectField label="Time zone" options={zones} errors={fields.timeZone.errors} {...getSelectProps(fields.timeZone)} />
        <Field label="Registration opens" hint="Optional; in the race's time zone." errors={fields.registrationOpensAt.errors} {...getInputProps(fields.registrationOpensAt, { type: "datetime-local" })} />
        <Field label="Registration closes" hint="Optional; in the race's time zone." errors={fields.registrationClosesAt.errors} {...getInputProps(fields.registrationClosesAt, { type: "datetime-local" })} />
        <SelectField label="Currency" options={currencies} errors={fields.currency.errors} {...getSelectProps(fields.currency)} />
        <SelectField label="Tax" options={taxModes} errors={fields.taxMode.errors} {...getSelectProps(fields.taxMode)} />
        <Field label="Tax rate (%)" hint="Used with a fixed rate, e.g. 23 or 13.5." errors={fields.taxRatePercent.errors} {...getInputProps(fields.taxRatePercent, { type: "text" })} inputMode="decimal" />
        <Field label="Checkout hold (minutes)" hint="How long places are held while a buyer pays (at least 30)." errors={fields.holdMinutes.errors} {...getInputProps(fields.holdMinutes, { type: "number" })} />
      </div>
      <TextAreaField label="Description" hint="Markdown: **bold**, lists with -, links." errors={fields.description.errors} {...getTextareaProps(fields.description)} />
      <TextAreaField label="Frequently asked questions" hint="Markdown. Also used to answer participants' questions." errors={fields.faq.errors} {...getTextareaProps(fields.faq)} />
      <Button type="submit" pending={navigation.state === "submitting"} pendingLabel="Saving…">
        {submitLabel}
      </Button>
    </Form>
  );
}

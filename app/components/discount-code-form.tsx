import { getCollectionProps, getFormProps, getInputProps, useForm, type FieldMetadata, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { Form } from "@remix-run/react";
import { useMemo } from "react";
import { Button, Field, FormError } from "~/components/ui";
import { discountCodeSchema } from "~/validation/discounts";
import { checkOnSubmitThenAsTyped } from "./form-validation";

export type DiscountCodeDefaults = {
  code: string;
  kind: "PERCENT" | "FIXED";
  percentOff: string;
  amountOff: string;
  scope: "ALL" | "SOME";
  ticketTypeIds: string[];
  maxRedemptions: string;
  perUserLimit: string;
  validFrom: string;
  validUntil: string;
};

type Props = {
  id: string;
  intent: string;
  lastResult?: SubmissionResult<string[]> | null;
  defaultValue?: DiscountCodeDefaults;
  currency: string;
  timeZone: string;
  ticketTypes: { id: string; name: string }[];
  submitLabel: string;
  pending: boolean;
};

/** Radios or checkboxes in a fieldset whose legend names them and whose error sits under them. */
function ChoiceGroup({
  legend,
  field,
  type,
  options,
}: {
  legend: string;
  field: FieldMetadata<string | string[] | undefined>;
  type: "radio" | "checkbox";
  options: { value: string; label: string }[];
}) {
  const errorId = `${field.id}-error`;
  const labels = new Map(options.map((option) => [option.value, option.label]));
  return (
    <fieldset className="flex flex-col gap-2" aria-describedby={field.errors?.length ? errorId : undefined}>
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      {getCollectionProps(field, { type, options: options.map((option) => option.value) }).map(({ key, ...props }) => (
        <label key={key} htmlFor={props.id} className="flex min-h-11 items-center gap-3 rounded-lg px-1 text-base">
          <input {...props} className="h-5 w-5" />
          {labels.get(props.value)}
        </label>
      ))}
      {field.errors?.length ? (
        <p id={errorId} role="alert" className="text-sm text-red-700">
          {field.errors.join(" ")}
        </p>
      ) : null}
    </fieldset>
  );
}

/** Create and edit form of a discount code (the same fields and schema on both pages). */
export function DiscountCodeForm({ id, intent, lastResult, defaultValue, currency, timeZone, ticketTypes, submitLabel, pending }: Props) {
  const schema = useMemo(() => discountCodeSchema(currency), [currency]);
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id,
    lastResult,
    defaultValue: defaultValue ?? { kind: "PERCENT", scope: "ALL" },
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  return (
    <Form method="post" {...getFormProps(form)} className="flex flex-col gap-4">
      <input type="hidden" name="intent" value={intent} />
      <FormError id={form.errorId} errors={form.errors} />
      <Field
        label="Code"
        hint="3 to 32 letters, digits, - or _. Buyers can type it in any case."
        autoCapitalize="characters"
        autoComplete="off"
        errors={fields.code.errors}
        {...getInputProps(fields.code, { type: "text" })}
      />
      <ChoiceGroup
        legend="Discount type"
        field={fields.kind}
        type="radio"
        options={[
          { value: "PERCENT", label: "A percentage" },
          { value: "FIXED", label: `A fixed amount (${currency})` },
        ]}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="Percent off"
          hint="For percent codes: 1 to 100."
          inputMode="numeric"
          min={1}
          max={100}
          errors={fields.percentOff.errors}
          {...getInputProps(fields.percentOff, { type: "number" })}
        />
        <Field
          label={`Amount off (${currency})`}
          hint="For fixed codes: taken once per order, never more than the tickets it applies to."
          inputMode="decimal"
          errors={fields.amountOff.errors}
          {...getInputProps(fields.amountOff, { type: "text" })}
        />
      </div>
      <ChoiceGroup
        legend="Applies to"
        field={fields.scope}
        type="radio"
        options={[
          { value: "ALL", label: "Every ticket type" },
          { value: "SOME", label: "Only the ticket types ticked below" },
        ]}
      />
      {ticketTypes.length ? (
        <ChoiceGroup legend="Ticket types" field={fields.ticketTypeIds} type="checkbox" options={ticketTypes.map((t) => ({ value: t.id, label: t.name }))} />
      ) : (
        <p className="text-sm text-slate-700">This race has no ticket types yet, so a code can only apply to every ticket type.</p>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="Maximum uses"
          hint="Paid orders that can use the code. Empty: no limit."
          inputMode="numeric"
          min={1}
          errors={fields.maxRedemptions.errors}
          {...getInputProps(fields.maxRedemptions, { type: "number" })}
        />
        <Field
          label="Uses per buyer"
          hint="Counted by the buyer's email. Empty: no limit."
          inputMode="numeric"
          min={1}
          errors={fields.perUserLimit.errors}
          {...getInputProps(fields.perUserLimit, { type: "number" })}
        />
        <Field
          label="Valid from"
          hint={`In the race's time zone (${timeZone}). Empty: from now.`}
          errors={fields.validFrom.errors}
          {...getInputProps(fields.validFrom, { type: "datetime-local" })}
        />
        <Field
          label="Valid until"
          hint={`In the race's time zone (${timeZone}). Empty: no end.`}
          errors={fields.validUntil.errors}
          {...getInputProps(fields.validUntil, { type: "datetime-local" })}
        />
      </div>
      <Button type="submit" className="self-start" pending={pending} pendingLabel="Saving…">
        {submitLabel}
      </Button>
    </Form>
  );
}

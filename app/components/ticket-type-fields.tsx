import { getInputProps, getTextareaProps, type FieldMetadata } from "@conform-to/react";
import { Field } from "~/components/ui";
import { TextAreaField } from "~/components/fields";

type TicketTypeFieldName =
  | "name"
  | "description"
  | "price"
  | "capacity"
  | "salesStartAt"
  | "salesEndAt"
  | "minAge"
  | "maxPerOrder"
  | "bibRangeStart"
  | "bibRangeEnd"
  | "sortOrder";

// Conform's field metadata, loosened to what these inputs read from it.
type Fields = Record<TicketTypeFieldName, FieldMetadata<string | number | undefined>>;

/** The inputs of a ticket type, shared by the create and the edit form. */
export function TicketTypeFields({ fields, currency, timeZone }: { fields: Fields; currency: string; timeZone: string }) {
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field label="Name" errors={fields.name.errors} {...getInputProps(fields.name, { type: "text" })} />
      <Field
        label={`Price (${currency})`}
        inputMode="decimal"
        hint="The base price, e.g. 30.00. Early-bird price tiers can be added per ticket type."
        errors={fields.price.errors}
        {...getInputProps(fields.price, { type: "text" })}
      />
      <div className="sm:col-span-2">
        <TextAreaField label="Description (optional)" errors={fields.description.errors} {...getTextareaProps(fields.description)} />
      </div>
      <Field label="Capacity" inputMode="numeric" hint="How many places this ticket type has." errors={fields.capacity.errors} {...getInputProps(fields.capacity, { type: "number" })} />
      <Field label="Limit per order" inputMode="numeric" errors={fields.maxPerOrder.errors} {...getInputProps(fields.maxPerOrder, { type: "number" })} />
      <Field
        label="Sales start (optional)"
        hint={`In the race's time zone, ${timeZone}.`}
        errors={fields.salesStartAt.errors}
        {...getInputProps(fields.salesStartAt, { type: "datetime-local" })}
      />
      <Field
        label="Sales end (optional)"
        hint={`In the race's time zone, ${timeZone}.`}
        errors={fields.salesEndAt.errors}
        {...getInputProps(fields.salesEndAt, { type: "datetime-local" })}
      />
      <Field
        label="Minimum age on race day (optional)"
        inputMode="numeric"
        errors={fields.minAge.errors}
        {...getInputProps(fields.minAge, { type: "number" })}
      />
      <Field
        label="Position in the list"
        inputMode="numeric"
        hint="Lower numbers are listed first."
        errors={fields.sortOrder.errors}
        {...getInputProps(fields.sortOrder, { type: "number" })}
      />
      <Field
        label="First bib number (optional)"
        inputMode="numeric"
        errors={fields.bibRangeStart.errors}
        {...getInputProps(fields.bibRangeStart, { type: "number" })}
      />
      <Field
        label="Last bib number (optional)"
        inputMode="numeric"
        hint="Bib ranges of a race's ticket types must not overlap."
        errors={fields.bibRangeEnd.errors}
        {...getInputProps(fields.bibRangeEnd, { type: "number" })}
      />
    </div>
  );
}

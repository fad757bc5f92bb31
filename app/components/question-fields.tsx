import { getInputProps, getSelectProps, getTextareaProps, type FieldMetadata } from "@conform-to/react";
import { CheckboxField, SelectField, TextAreaField } from "~/components/fields";
import { Field } from "~/components/ui";
import { QUESTION_KINDS, questionKindLabels } from "~/validation/questions";

// Conform's field metadata, loosened to what these inputs read from it.
type Fields = Record<"label" | "kind" | "options" | "required", FieldMetadata<string | boolean | undefined>>;

/** The inputs of a custom question, shared by the add and the edit form. */
export function QuestionFields({ fields }: { fields: Fields }) {
  return (
    <div className="flex flex-col gap-4">
      <Field label="Question" errors={fields.label.errors} {...getInputProps(fields.label, { type: "text" })} />
      <SelectField
        label="Kind of answer"
        options={QUESTION_KINDS.map((kind) => ({ value: kind, label: questionKindLabels[kind] }))}
        errors={fields.kind.errors}
        {...getSelectProps(fields.kind)}
      />
      <TextAreaField
        label="Options (for a choice)"
        hint="One option per line, at least two. Ignored for other kinds of answer."
        errors={fields.options.errors}
        {...getTextareaProps(fields.options)}
      />
      <CheckboxField
        label="Required"
        hint="A required checkbox must be ticked; a required text or choice must be answered."
        errors={fields.required.errors}
        {...getInputProps(fields.required, { type: "checkbox" })}
      />
    </div>
  );
}

import { Form } from "@remix-run/react";
import { TextAreaField } from "./fields";
import { Button } from "./ui";

/**
 * "Mark resolved" with a required note, for an operator's list of things to settle (alerts, reconciliation flags):
 * `fields` are the hidden inputs that name the item (and the intent, where the page has several).
 */
export function ResolveWithNoteForm({ itemId, fields, errors, pending }: { itemId: string; fields: Record<string, string>; errors?: string[]; pending: boolean }) {
  return (
    <Form method="post" className="mt-3 flex flex-col gap-2">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <TextAreaField id={`note-${itemId}`} name="note" label="Resolution note" rows={2} required minLength={3} maxLength={1000} errors={errors} />
      <Button type="submit" variant="secondary" className="self-start" pending={pending} pendingLabel="Resolving…">
        Mark resolved
      </Button>
    </Form>
  );
}

import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

/** Hint and error ids and the aria attributes that tie them to a control, as in ui.tsx's Field. */
function describe(id: string, errors: string[] | undefined, hint: string | undefined) {
  const hasErrors = Boolean(errors?.length);
  const describedBy = [hint ? `${id}-hint` : null, hasErrors ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return { hasErrors, aria: { "aria-invalid": hasErrors || undefined, "aria-describedby": describedBy } };
}

function HintAndErrors({ id, errors, hint }: { id: string; errors?: string[]; hint?: string }) {
  return (
    <>
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-700">
          {errors.join(" ")}
        </p>
      ) : null}
    </>
  );
}

type Labelled = { label: string; id: string; name: string; errors?: string[]; hint?: string };

const controlStyle = (hasErrors: boolean) => `min-h-11 rounded-lg border px-3 py-2 text-base shadow-sm ${hasErrors ? "border-red-600" : "border-slate-300"}`;

export function TextAreaField({ label, id, errors, hint, ...textarea }: Labelled & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const { hasErrors, aria } = describe(id, errors, hint);
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <textarea id={id} rows={3} {...textarea} {...aria} className={controlStyle(hasErrors)} />
      <HintAndErrors id={id} errors={errors} hint={hint} />
    </div>
  );
}

export function SelectField({
  label,
  id,
  errors,
  hint,
  children,
  ...select
}: Labelled & SelectHTMLAttributes<HTMLSelectElement> & { children: ReactNode }) {
  const { hasErrors, aria } = describe(id, errors, hint);
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <select id={id} {...select} {...aria} className={`${controlStyle(hasErrors)} bg-white`}>
        {children}
      </select>
      <HintAndErrors id={id} errors={errors} hint={hint} />
    </div>
  );
}

export function CheckboxField({ label, id, errors, hint, ...input }: Labelled & Omit<InputHTMLAttributes<HTMLInputElement>, "type">) {
  const { aria } = describe(id, errors, hint);
  return (
    <div className="flex flex-col gap-1">
      <div className="flex min-h-11 items-center gap-3">
        <input id={id} type="checkbox" {...input} {...aria} className="h-5 w-5 rounded border-slate-300" />
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
        </label>
      </div>
      <HintAndErrors id={id} errors={errors} hint={hint} />
    </div>
  );
}

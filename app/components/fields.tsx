import type { InputHTMLAttributes, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

type Described = { id: string; label: string; errors?: string[]; hint?: string };

function describedBy(id: string, hint?: string, errors?: string[]) {
  return [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
}

function Messages({ id, hint, errors }: { id: string; hint?: string; errors?: string[] }) {
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

const control = "rounded-lg border px-3 py-2 text-base shadow-sm";

export function TextAreaField({ id, label, errors, hint, ...props }: Described & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <textarea
        id={id}
        rows={6}
        {...props}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
        className={`${control} ${errors?.length ? "border-red-600" : "border-slate-300"}`}
      />
      <Messages id={id} hint={hint} errors={errors} />
    </div>
  );
}

export function SelectField({
  id,
  label,
  errors,
  hint,
  options,
  ...props
}: Described & SelectHTMLAttributes<HTMLSelectElement> & { options: readonly (string | { value: string; label: string })[] }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <select
        id={id}
        {...props}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, hint, errors)}
        className={`min-h-11 bg-white ${control} ${errors?.length ? "border-red-600" : "border-slate-300"}`}
      >
        {options.map((option) => {
          const { value, label: text } = typeof option === "string" ? { value: option, label: option } : option;
          return (
            <option key={value} value={value}>
              {text}
            </option>
          );
        })}
      </select>
      <Messages id={id} hint={hint} errors={errors} />
    </div>
  );
}

export function CheckboxField({ label, id, errors, hint, ...input }: Described & Omit<InputHTMLAttributes<HTMLInputElement>, "type">) {
  const aria = { "aria-invalid": errors?.length ? true : undefined, "aria-describedby": describedBy(id, hint, errors) };
  return (
    <div className="flex flex-col gap-1">
      <div className="flex min-h-11 items-center gap-3">
        <input id={id} type="checkbox" {...input} {...aria} className="h-5 w-5 rounded border-slate-300" />
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
        </label>
      </div>
      <Messages id={id} hint={hint} errors={errors} />
    </div>
  );
}

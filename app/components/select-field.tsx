import type { SelectHTMLAttributes } from "react";

type SelectFieldProps = SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  id: string;
  name: string;
  options: readonly { value: string; label: string }[];
};

/** A labelled select, styled like `Field`. */
export function SelectField({ label, id, options, ...select }: SelectFieldProps) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <select id={id} {...select} className="min-h-11 rounded-lg border border-slate-300 bg-white px-3 py-2 text-base shadow-sm">
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

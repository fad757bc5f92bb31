import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode } from "react";

const buttonStyles = {
  primary: "bg-brand-600 text-white hover:bg-brand-700 disabled:bg-slate-400",
  secondary: "bg-white text-ink ring-1 ring-slate-300 hover:bg-slate-50 disabled:text-slate-400",
  ghost: "text-slate-700 hover:bg-slate-100",
} as const;

export function Button({
  variant = "primary",
  pending = false,
  pendingLabel,
  className = "",
  children,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: keyof typeof buttonStyles; pending?: boolean; pendingLabel?: string }) {
  return (
    <button
      {...props}
      disabled={props.disabled || pending}
      aria-busy={pending || undefined}
      className={`inline-flex min-h-11 items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-semibold transition ${buttonStyles[variant]} ${className}`}
    >
      {pending && pendingLabel ? pendingLabel : children}
    </button>
  );
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  name: string;
  id: string;
  errors?: string[];
  hint?: string;
  /**
   * Something allowed but probably a mistake (a date in the past): shown and announced, never blocking. Fields that
   * can warn pass null while all is well, so their live region exists before a warning appears in it.
   */
  warning?: string | null;
};

/** A labelled input whose errors sit next to it and are announced to screen readers. */
export function Field({ label, id, errors, hint, warning, ...input }: FieldProps) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const warningId = `${id}-warning`;
  const hasErrors = Boolean(errors?.length);
  const describedBy = [hint ? hintId : null, warning ? warningId : null, hasErrors ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        {...input}
        aria-invalid={hasErrors || undefined}
        aria-describedby={describedBy}
        className={`min-h-11 rounded-lg border px-3 py-2 text-base shadow-sm ${hasErrors ? "border-red-600" : "border-slate-300"}`}
      />
      {hint ? (
        <p id={hintId} className="text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {warning !== undefined ? (
        <p id={warningId} role="status" className={warning ? "text-sm text-amber-800" : "sr-only"}>
          {warning}
        </p>
      ) : null}
      {hasErrors ? (
        <p id={errorId} role="alert" className="text-sm text-red-700">
          {errors?.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A table that may scroll sideways on a narrow screen: a named region in the tab order, so a keyboard user can
 * scroll it with the arrow keys and a screen reader says what it holds.
 */
export function TableScroll({ label, className = "", children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className={`overflow-x-auto ${className}`}>
      {children}
    </div>
  );
}

export function Card({ children, className = "" }: { children: ReactNode; className?: string }) {
  return <section className={`rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200 ${className}`}>{children}</section>;
}

export function Badge({ children, tone = "neutral" }: { children: ReactNode; tone?: "neutral" | "good" | "warn" | "bad" }) {
  const tones = {
    neutral: "bg-slate-100 text-slate-700",
    good: "bg-brand-100 text-brand-700",
    warn: "bg-amber-100 text-amber-800",
    bad: "bg-red-100 text-red-800",
  };
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}

export function FormError({ errors, id }: { errors?: string[]; id: string }) {
  if (!errors?.length) return null;
  return (
    <div id={id} role="alert" className="rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
      {errors.join(" ")}
    </div>
  );
}

export function Pagination({ page, pageCount, hrefFor }: { page: number; pageCount: number; hrefFor: (page: number) => string }) {
  if (pageCount <= 1) return null;
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center justify-between text-sm">
      {page > 1 ? (
        <a className="font-medium text-brand-700 underline" href={hrefFor(page - 1)}>
          Previous page
        </a>
      ) : (
        <span />
      )}
      <span>
        Page {page} of {pageCount}
      </span>
      {page < pageCount ? (
        <a className="font-medium text-brand-700 underline" href={hrefFor(page + 1)}>
          Next page
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}

/** The outcome of a form that worked (or changed nothing), announced politely. */
export function Notice({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p role="status" className="rounded-lg bg-brand-50 p-3 text-sm text-brand-700 ring-1 ring-brand-100">
      {children}
    </p>
  );
}

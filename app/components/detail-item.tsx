import type { ReactNode } from "react";

/** One label/value row of a `<dl>`: stacked on a phone, side by side from small tablets up. */
export function DetailItem({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="py-2 sm:grid sm:grid-cols-3 sm:gap-4">
      <dt className="text-sm font-medium text-slate-600">{label}</dt>
      <dd className="mt-1 break-words text-sm sm:col-span-2 sm:mt-0">{children}</dd>
    </div>
  );
}

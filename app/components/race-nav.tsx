import type { OrgRole } from "@prisma/client";
import { NavLink, useLocation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { hasRole } from "~/lib/roles";

type Section = { to: string; label: string; minRole: OrgRole };

/** The organiser's sections of one race. Each section's route enforces the same minimum role. */
export const raceSections: Section[] = [
  { to: "", label: "Overview", minRole: "CHECKIN" },
  { to: "dashboard", label: "Live dashboard", minRole: "MANAGER" },
  { to: "edit", label: "Details", minRole: "MANAGER" },
  { to: "tickets", label: "Ticket types", minRole: "MANAGER" },
  { to: "questions", label: "Questions", minRole: "MANAGER" },
  { to: "waiver", label: "Waiver", minRole: "MANAGER" },
  { to: "codes", label: "Discount codes", minRole: "MANAGER" },
  { to: "queue", label: "Queue", minRole: "MANAGER" },
  { to: "waitlist", label: "Waiting lists", minRole: "MANAGER" },
  { to: "participants", label: "Participants", minRole: "MANAGER" },
  { to: "checkin", label: "Check-in", minRole: "CHECKIN" },
  { to: "audit", label: "Audit log", minRole: "MANAGER" },
];

/**
 * On a narrow screen the tabs scroll sideways in their own row (the page never does), and the current tab is
 * brought into view, so an organiser on Check-in sees where they are.
 */
export function RaceNav({ raceId, role }: { raceId: string; role: OrgRole }) {
  const nav = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  useEffect(() => {
    const current = nav.current?.querySelector<HTMLElement>('[aria-current="page"]');
    if (!nav.current || !current) return;
    nav.current.scrollLeft = current.offsetLeft - (nav.current.clientWidth - current.offsetWidth) / 2;
  }, [pathname]);
  return (
    <nav ref={nav} aria-label="Race sections" className="relative -mx-4 mb-6 overflow-x-auto overscroll-x-contain border-b border-slate-200 px-4">
      <ul className="flex gap-1 whitespace-nowrap text-sm">
        {raceSections
          .filter((section) => hasRole(role, section.minRole))
          .map((section) => (
            <li key={section.to}>
              <NavLink
                end={section.to === ""}
                to={`/organiser/races/${raceId}${section.to ? `/${section.to}` : ""}`}
                className={({ isActive }) =>
                  `inline-block border-b-2 px-3 py-2 ${isActive ? "border-brand-600 font-semibold text-brand-700" : "border-transparent text-slate-700 hover:text-ink"}`
                }
              >
                {section.label}
              </NavLink>
            </li>
          ))}
      </ul>
    </nav>
  );
}

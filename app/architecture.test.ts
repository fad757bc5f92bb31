import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();

/** The messages ESLint gives a file with this source at this path (the file need not exist). */
async function importRuleMessages(filePath: string, source: string) {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("the layering rules (docs/architecture.md)", () => {
  it("keeps server code out of components", async () => {
    expect(await importRuleMessages("app/components/probe.tsx", 'import { db } from "~/utils/db.server";\nexport const probe = db;\n')).toHaveLength(1);
    expect(await importRuleMessages("app/components/probe.tsx", 'import type { CheckinParticipant } from "~/lib/checkin-view";\nexport type Probe = CheckinParticipant;\n')).toHaveLength(0);
  });

  it("keeps app/lib free of app imports", async () => {
    expect(await importRuleMessages("app/lib/probe.ts", 'import { getEnv } from "~/utils/env.server";\nexport const probe = getEnv;\n')).toHaveLength(1);
    expect(await importRuleMessages("app/lib/probe.ts", 'import { formatMoney } from "~/lib/money";\nexport const probe = formatMoney;\n')).toHaveLength(0);
  });

  it("keeps services, presenters and jobs below the web layer", async () => {
    for (const file of ["app/services/probe.server.ts", "app/presenters/probe.server.ts", "app/jobs/handlers/probe.server.ts"]) {
      expect(await importRuleMessages(file, 'import { requireUser } from "~/web/auth.server";\nexport const probe = requireUser;\n')).toHaveLength(1);
    }
  });

  it("keeps infrastructure clients below everything", async () => {
    expect(await importRuleMessages("app/utils/probe.server.ts", 'import { recordAudit } from "~/services/audit.server";\nexport const probe = recordAudit;\n')).toHaveLength(1);
  });
}, 60_000);

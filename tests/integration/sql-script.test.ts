// `sqlScript` runs a transaction in one round trip; a named statement is prepared once per connection and then only
// executed, on its generic plan (ADR 0112).
import { describe, expect, it } from "vitest";
import { sql, sqlScript } from "~/utils/db.server";
import { createOrganisation } from "../support/factories";

const renamed = {
  name: "test_rename_organisations",
  text: `UPDATE "Organisation" SET name = $2::text WHERE id = ANY($1::text[]) RETURNING id, name`,
};
/** What the connection that ran the script holds under that name: read in the same script, so on the same connection. */
const preparedHere = {
  text: `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = $1::text`,
  values: [renamed.name],
};

const names = async (ids: string[]) => (await sql<{ name: string }>(`SELECT name FROM "Organisation" WHERE id = ANY($1::text[]) ORDER BY name`, [ids])).map((o) => o.name);

describe("sqlScript with prepared statements", () => {
  it("prepares a named statement once on a connection and runs it on its generic plan after", async () => {
    const { organisation } = await createOrganisation();
    const runs = [];
    // More runs than the pool has connections: some connection runs it again, having prepared it before.
    for (let i = 0; i < 25; i += 1) runs.push(await sqlScript([{ ...renamed, values: [[organisation.id], `Run ${i}`] }, preparedHere]));
    expect(runs.at(-1)![0]).toEqual([{ id: organisation.id, name: "Run 24" }]);
    const plans = runs.map((rows) => rows[1]![0] as { generic: number; custom: number });
    expect(plans.every((p) => p.custom === 0 && p.generic >= 1)).toBe(true);
    expect(Math.max(...plans.map((p) => p.generic))).toBeGreaterThan(1);
  });

  it("passes empty arrays, nulls, quotes and numbers as the prepared parameters' types", async () => {
    const { organisation } = await createOrganisation();
    const [none] = await sqlScript([{ ...renamed, values: [[], "Nobody"] }]);
    expect(none).toEqual([]);
    const [quoted] = await sqlScript([{ ...renamed, values: [[organisation.id], `O'Brien "Runners"; DROP TABLE x`] }]);
    expect(quoted).toEqual([{ id: organisation.id, name: `O'Brien "Runners"; DROP TABLE x` }]);
    const [typed] = await sqlScript([
      { name: "test_typed_parameters", text: `SELECT $1::int + 1 AS next, $2::text IS NULL AS missing, cardinality($3::int[]) AS n`, values: [41, null, [1, 2, 3]] },
    ]);
    expect(typed).toEqual([{ next: 42, missing: true, n: 3 }]);
  });

  it("rolls the whole script back when a statement fails, and the connection runs the prepared statement again after", async () => {
    const { organisation } = await createOrganisation();
    const failing = sqlScript([
      { ...renamed, values: [[organisation.id], "Half written"] },
      { text: `SELECT 1 / $1::int`, values: [0] },
    ]);
    await expect(failing).rejects.toThrow(/division by zero/);
    expect(await names([organisation.id])).toEqual([organisation.name]);
    for (let i = 0; i < 12; i += 1) await sqlScript([{ ...renamed, values: [[organisation.id], "Written"] }]);
    expect(await names([organisation.id])).toEqual(["Written"]);
  });
});

import { parseWithZod } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import { questionSchema, standardFieldsSchema } from "./questions";

describe("questionSchema", () => {
  it("reads a choice's options one per line, trimmed, without blanks or repeats", () => {
    expect(questionSchema.parse({ label: " Start wave ", kind: "CHOICE", options: "Elite\r\n  Open \n\nOpen\n", required: true })).toEqual({
      label: "Start wave",
      kind: "CHOICE",
      options: ["Elite", "Open"],
      required: true,
    });
  });

  it("drops options of questions that are not choices", () => {
    expect(questionSchema.parse({ label: "Club", kind: "TEXT", options: "a\nb" })).toEqual({ label: "Club", kind: "TEXT", options: [], required: false });
  });

  it("needs a label, a kind, and at least two options for a choice", () => {
    expect(questionSchema.safeParse({ label: "", kind: "DROPDOWN" }).error?.flatten().fieldErrors).toEqual({
      label: ["Enter the question, like “Which wave do you want to start in?”"],
      kind: ["Choose the kind of answer"],
    });
    expect(questionSchema.safeParse({ label: "Wave", kind: "CHOICE", options: "Only one" }).error?.flatten().fieldErrors).toEqual({
      options: ["List at least two options, one per line"],
    });
  });

  it("reads the required checkbox from a form", () => {
    const form = new FormData();
    form.append("label", "I have read the rules");
    form.append("kind", "CHECKBOX");
    form.append("required", "on");
    const submission = parseWithZod(form, { schema: questionSchema });
    expect(submission.status === "success" && submission.value.required).toBe(true);
  });
});

describe("standardFieldsSchema", () => {
  it("keeps the chosen fields in the form's order", () => {
    expect(standardFieldsSchema.parse({ standardFields: ["TSHIRT_SIZE", "DATE_OF_BIRTH"] }).standardFields).toEqual(["DATE_OF_BIRTH", "TSHIRT_SIZE"]);
    expect(standardFieldsSchema.parse({}).standardFields).toEqual([]);
  });

  it("accepts a single ticked box from a form and refuses unknown fields", () => {
    const form = new FormData();
    form.append("standardFields", "CLUB");
    const submission = parseWithZod(form, { schema: standardFieldsSchema });
    expect(submission.status === "success" && submission.value.standardFields).toEqual(["CLUB"]);
    expect(standardFieldsSchema.safeParse({ standardFields: ["SHOE_SIZE"] }).success).toBe(false);
  });
});

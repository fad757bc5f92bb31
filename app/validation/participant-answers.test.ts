import { parseWithZod } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import { participantAnswersSchema, type ParticipantQuestion } from "./participant-answers";

const wave: ParticipantQuestion = { id: "qwave", label: "Start wave", kind: "CHOICE", options: ["Elite", "Open"], required: true };
const medical: ParticipantQuestion = { id: "qmedical", label: "Medical notes", kind: "TEXT", options: [], required: false };
const rules: ParticipantQuestion = { id: "qrules", label: "I have read the race rules", kind: "CHECKBOX", options: [], required: true };
const photos: ParticipantQuestion = { id: "qphotos", label: "Photos may be published", kind: "CHECKBOX", options: [], required: false };
const nickname: ParticipantQuestion = { id: "qnick", label: "Nickname on bib", kind: "TEXT", options: [], required: true };
const retired: ParticipantQuestion = { id: "qold", label: "Old question", kind: "TEXT", options: [], required: true, archivedAt: new Date() };

const person = { firstName: " Ada ", lastName: "Runner", email: "Ada@Example.com" };

describe("participantAnswersSchema", () => {
  it("always asks for name and email, and only the standard fields the organiser chose", () => {
    const schema = participantAnswersSchema(["CLUB"], []);
    expect(schema.parse({ ...person, club: "Harbour Harriers" })).toEqual({
      firstName: "Ada",
      lastName: "Runner",
      email: "ada@example.com",
      club: "Harbour Harriers",
      answers: {},
    });
    expect(schema.safeParse({}).error?.flatten().fieldErrors).toEqual({
      firstName: ["Enter the participant's first name"],
      lastName: ["Enter the participant's last name"],
      email: ["Enter the participant's email address"],
    });
  });

  it("explains each missing or wrong standard field", () => {
    const schema = participantAnswersSchema(["DATE_OF_BIRTH", "GENDER", "EMERGENCY_CONTACT", "TSHIRT_SIZE"], []);
    const result = schema.safeParse({ ...person, dateOfBirth: "1990-02-30", gender: "Robot", emergencyPhone: "call me", tshirtSize: "XXXL" });
    expect(result.error?.flatten().fieldErrors).toEqual({
      dateOfBirth: ["Enter the date of birth as a date, like 1990-04-23"],
      gender: ["Choose a gender, or “Prefer not to say”"],
      emergencyName: ["Enter the name of an emergency contact"],
      emergencyPhone: ["Enter a phone number, like +353 87 123 4567"],
      tshirtSize: ["Choose a T-shirt size"],
    });
    expect(schema.safeParse({ ...person, dateOfBirth: "2999-01-01" }).error?.flatten().fieldErrors.dateOfBirth).toEqual([
      "The date of birth can't be in the future",
    ]);
  });

  it("returns the standard fields shaped like the participant record", () => {
    const schema = participantAnswersSchema(["DATE_OF_BIRTH", "GENDER", "EMERGENCY_CONTACT", "TSHIRT_SIZE"], []);
    expect(
      schema.parse({ ...person, dateOfBirth: "1990-04-23", gender: "Female", emergencyName: "Bo", emergencyPhone: "+353 87 123 4567", tshirtSize: "M" }),
    ).toMatchObject({ dateOfBirth: new Date("1990-04-23T00:00:00Z"), gender: "Female", emergencyName: "Bo", emergencyPhone: "+353 87 123 4567", tshirtSize: "M" });
  });

  it("names the custom question in each message: choice out of the options, unticked required box, missing text", () => {
    const schema = participantAnswersSchema([], [wave, medical, rules, photos, nickname]);
    const result = schema.safeParse({ ...person, answers: { qwave: "VIP", qrules: false } });
    expect(result.success).toBe(false);
    const messages = Object.fromEntries(result.error!.issues.map((issue) => [issue.path.join("."), issue.message]));
    expect(messages).toEqual({
      "answers.qwave": "Choose one of the options for “Start wave”",
      "answers.qrules": "Tick “I have read the race rules” to continue",
      "answers.qnick": "Answer “Nickname on bib”",
    });
  });

  it("keeps answered questions by id, drops unanswered optional ones, and ignores archived questions", () => {
    const schema = participantAnswersSchema([], [wave, medical, rules, photos, retired]);
    expect(schema.parse({ ...person, answers: { qwave: "Open", medical: "", qrules: true, qold: "ignored" } }).answers).toEqual({
      qwave: "Open",
      qrules: true,
      qphotos: false,
    });
  });

  it("validates a real form submission, where a ticked checkbox is 'on' and answers are nested by id", () => {
    const schema = participantAnswersSchema(["CLUB"], [wave, medical, rules, photos]);
    const form = new FormData();
    for (const [name, value] of Object.entries({ ...person, club: "", "answers.qwave": "Elite", "answers.qmedical": "Asthma", "answers.qrules": "on" })) {
      form.append(name, value);
    }
    const submission = parseWithZod(form, { schema });
    expect(submission.status).toBe("success");
    expect(submission.status === "success" && submission.value).toEqual({
      firstName: "Ada",
      lastName: "Runner",
      email: "ada@example.com",
      answers: { qwave: "Elite", qmedical: "Asthma", qrules: true, qphotos: false },
    });

    const unticked = new FormData();
    for (const [name, value] of Object.entries({ ...person, "answers.qwave": "Open" })) unticked.append(name, value);
    const rejected = parseWithZod(unticked, { schema });
    expect(rejected.status).toBe("error");
    expect(rejected.reply().error).toEqual({ "answers.qrules": ["Tick “I have read the race rules” to continue"] });
  });
});

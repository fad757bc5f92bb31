import type { Prisma, StandardField } from "@prisma/client";
import { db } from "~/utils/db.server";
import type { QuestionInput } from "~/validation/questions";
import { diff as auditDiff, recordAudit } from "./audit.server";
import { NotFoundError } from "~/lib/errors";
import type { RaceActor } from "./ticket-types.server";

/** `diff` typed as the JSON the audit entry stores (its values are JSON scalars by construction). */
function diff(...args: Parameters<typeof auditDiff>) {
  return auditDiff(...args) as Prisma.InputJsonObject;
}

/** Locks the race row so question writes of one race (and their sort order) happen one at a time. */
async function lockRace(tx: Prisma.TransactionClient, raceId: string) {
  const rows = await tx.$queryRaw<{ organisationId: string; standardFields: StandardField[] }[]>`
    SELECT "organisationId", "standardFields"::text[] AS "standardFields" FROM "Race" WHERE "id" = ${raceId} FOR NO KEY UPDATE`;
  if (!rows[0]) throw new NotFoundError("This race no longer exists.");
  return rows[0];
}

async function findQuestion(tx: Prisma.TransactionClient, raceId: string, questionId: string) {
  const question = await tx.raceQuestion.findFirst({
    where: { id: questionId, raceId },
    select: { id: true, label: true, kind: true, options: true, required: true, sortOrder: true, archivedAt: true },
  });
  if (!question) throw new NotFoundError("This question does not exist in this race.");
  return question;
}

/** Which standard fields the participant form asks for. */
export async function setStandardFields({ raceId, actorId }: RaceActor, standardFields: StandardField[]) {
  return db.$transaction(async (tx) => {
    const race = await lockRace(tx, raceId);
    const changes = diff({ standardFields: race.standardFields }, { standardFields });
    if (Object.keys(changes).length === 0) return;
    await tx.race.update({ where: { id: raceId }, data: { standardFields } });
    await recordAudit(tx, { organisationId: race.organisationId, raceId, actorId, action: "race.questions_updated", entityType: "race", entityId: raceId, changes });
  });
}

/** A new custom question, asked after the race's other active questions. */
export async function createQuestion({ raceId, actorId }: RaceActor, input: QuestionInput) {
  return db.$transaction(async (tx) => {
    const { organisationId } = await lockRace(tx, raceId);
    const { _max } = await tx.raceQuestion.aggregate({ where: { raceId }, _max: { sortOrder: true } });
    const question = await tx.raceQuestion.create({ data: { ...input, raceId, sortOrder: (_max.sortOrder ?? -1) + 1 }, select: { id: true } });
    await recordAudit(tx, { organisationId, raceId, actorId, action: "question.created", entityType: "question", entityId: question.id, changes: diff({}, input) });
    return question;
  });
}

/** Existing answers stay as they were given; only new participant forms see the change. */
export async function updateQuestion({ raceId, actorId }: RaceActor, questionId: string, input: QuestionInput) {
  return db.$transaction(async (tx) => {
    const { organisationId } = await lockRace(tx, raceId);
    const before = await findQuestion(tx, raceId, questionId);
    const changes = diff(before, input);
    if (Object.keys(changes).length === 0) return;
    await tx.raceQuestion.update({ where: { id: questionId }, data: input });
    await recordAudit(tx, { organisationId, raceId, actorId, action: "question.updated", entityType: "question", entityId: questionId, changes });
  });
}

/** Archived questions are no longer asked; answers already given are kept. */
export async function setQuestionArchived({ raceId, actorId }: RaceActor, questionId: string, archived: boolean) {
  return db.$transaction(async (tx) => {
    const { organisationId } = await lockRace(tx, raceId);
    const before = await findQuestion(tx, raceId, questionId);
    if (Boolean(before.archivedAt) === archived) return;
    const archivedAt = archived ? new Date() : null;
    await tx.raceQuestion.update({ where: { id: questionId }, data: { archivedAt } });
    await recordAudit(tx, {
      organisationId,
      raceId,
      actorId,
      action: archived ? "question.archived" : "question.restored",
      entityType: "question",
      entityId: questionId,
      changes: diff({ archivedAt: before.archivedAt }, { archivedAt }),
    });
  });
}

/** Swaps an active question with its neighbour and renumbers the active questions 0, 1, 2 … */
export async function moveQuestion({ raceId, actorId }: RaceActor, questionId: string, direction: "up" | "down") {
  return db.$transaction(async (tx) => {
    const { organisationId } = await lockRace(tx, raceId);
    await findQuestion(tx, raceId, questionId);
    const active = await tx.raceQuestion.findMany({
      where: { raceId, archivedAt: null },
      orderBy: [{ sortOrder: "asc" }, { createdAt: "asc" }],
      select: { id: true, label: true },
    });
    const from = active.findIndex((question) => question.id === questionId);
    const to = direction === "up" ? from - 1 : from + 1;
    if (from < 0 || to < 0 || to >= active.length) return;
    const reordered = [...active];
    [reordered[from], reordered[to]] = [reordered[to]!, reordered[from]!];
    await Promise.all(reordered.map((question, index) => tx.raceQuestion.update({ where: { id: question.id }, data: { sortOrder: index } })));
    await recordAudit(tx, {
      organisationId,
      raceId,
      actorId,
      action: "race.questions_updated",
      entityType: "race",
      entityId: raceId,
      changes: diff({ questionOrder: active.map((question) => question.label) }, { questionOrder: reordered.map((question) => question.label) }),
    });
  });
}

/**
 * The race's participant form settings: chosen standard fields and its questions, active ones in the
 * order they are asked. A race has a handful of questions, so the list is not paginated.
 */
export async function raceQuestions(raceId: string) {
  const race = await db.race.findUniqueOrThrow({
    where: { id: raceId },
    select: {
      standardFields: true,
      questions: {
        orderBy: [{ sortOrder: "asc" }, { createdAt: "asc" }],
        select: { id: true, label: true, kind: true, options: true, required: true, sortOrder: true, archivedAt: true },
      },
    },
  });
  return {
    standardFields: race.standardFields,
    active: race.questions.filter((question) => !question.archivedAt),
    archived: race.questions.filter((question) => question.archivedAt),
  };
}

/** One question of the race, or null when it is not in this race. */
export function raceQuestion(raceId: string, questionId: string) {
  return db.raceQuestion.findFirst({
    where: { id: questionId, raceId },
    select: { id: true, label: true, kind: true, options: true, required: true, archivedAt: true },
  });
}

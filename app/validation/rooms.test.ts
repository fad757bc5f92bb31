import { parseWithZod } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import { createRoomSchema, roomMessageSchema } from "./rooms";

function form(fields: Record<string, string>, schema: typeof createRoomSchema | typeof roomMessageSchema) {
  const formData = new FormData();
  for (const [name, value] of Object.entries(fields)) formData.append(name, value);
  return parseWithZod(formData, { schema });
}

function errorsOf(result: ReturnType<typeof form>) {
  return result.status === "success" ? null : result.error;
}

describe("createRoomSchema", () => {
  it("trims the names, treats an empty team name as none and reads the member limit as a number", () => {
    const result = form({ name: "  Harbour Harriers ", teamName: "  ", maxMembers: "8", visibility: "PRIVATE" }, createRoomSchema);
    expect(result.status === "success" && result.value).toEqual({ name: "Harbour Harriers", teamName: null, maxMembers: 8, visibility: "PRIVATE" });
  });

  it("blames each bad field with a message a person can act on", () => {
    const result = form({ name: " ", maxMembers: "1", visibility: "SECRET" }, createRoomSchema);
    expect(result.status).toBe("error");
    expect(errorsOf(result)).toMatchObject({
      name: ["Give your room a name."],
      maxMembers: ["A room needs room for at least 2 people."],
      visibility: ["Choose public or private."],
    });
  });
});

describe("roomMessageSchema", () => {
  it("accepts 1 to 500 characters after trimming", () => {
    const hello = form({ body: "  hi  " }, roomMessageSchema);
    expect(hello.status === "success" && hello.value).toEqual({ body: "hi" });
    expect(form({ body: "x".repeat(500) }, roomMessageSchema).status).toBe("success");
    expect(errorsOf(form({ body: "x".repeat(501) }, roomMessageSchema))).toEqual({ body: ["Keep messages to 500 characters."] });
    expect(errorsOf(form({ body: "   " }, roomMessageSchema))).toEqual({ body: ["Write a message first."] });
  });
});

import type { ActionFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { z } from "zod";
import { dismissNotification } from "~/services/notifications.server";
import { requireUser } from "~/web/auth.server";

const dismissSchema = z.object({ id: z.string().min(1) });

export async function loader() {
  return redirect("/notifications");
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const parsed = dismissSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ ok: false, error: "Say which notification to dismiss." }, { status: 400 });
  await dismissNotification(user.id, parsed.data.id);
  return { ok: true };
}

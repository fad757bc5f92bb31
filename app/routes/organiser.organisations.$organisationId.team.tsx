import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { SelectField } from "~/components/fields";
import { Badge, Button, Card, Field, FormError } from "~/components/ui";
import { changeMemberRole, inviteStaff, removeMember, revokeInvite, teamOf } from "~/services/team.server";
import { requireOrgRole } from "~/web/access.server";
import { replyToError } from "~/web/errors.server";
import { inviteSchema } from "~/validation/races";
import { checkOnSubmitThenAsTyped } from "~/components/form-validation";

const roleOptions = [
  { value: "MANAGER", label: "Manager: runs races, sees participants" },
  { value: "CHECKIN", label: "Check-in only" },
  { value: "OWNER", label: "Owner: also team and payouts" },
];

const memberAction = z.object({
  intent: z.enum(["change-role", "remove", "revoke"]),
  id: z.string().min(1),
  role: z.enum(["OWNER", "MANAGER", "CHECKIN"]).optional(),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { organisation, user } = await requireOrgRole(request, params.organisationId ?? "", "OWNER");
  const [members, invites] = await teamOf(organisation.id);
  return { organisation, members, invites, me: user.id };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { organisation, user } = await requireOrgRole(request, params.organisationId ?? "", "OWNER");
  const formData = await request.formData();
  try {
    if (formData.get("intent") === "invite") {
      const submission = parseWithZod(formData, { schema: inviteSchema });
      if (submission.status !== "success") return data(submission.reply(), { status: 400 });
      await inviteStaff(organisation.id, user.id, submission.value.email, submission.value.role);
      return submission.reply({ resetForm: true });
    }
    const parsed = memberAction.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return data({ error: "Choose what to do." }, { status: 400 });
    const { intent, id, role } = parsed.data;
    if (intent === "change-role" && role) await changeMemberRole(organisation.id, user.id, id, role);
    if (intent === "remove") await removeMember(organisation.id, user.id, id);
    if (intent === "revoke") await revokeInvite(organisation.id, user.id, id);
    return { status: "success" as const };
  } catch (error) {
    return replyToError(error);
  }
}

export default function TeamPage() {
  const { organisation, members, invites, me } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    ...checkOnSubmitThenAsTyped,
    id: "invite",
    lastResult: lastResult && "initialValue" in lastResult ? lastResult : undefined,
    defaultValue: { role: "MANAGER" },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: inviteSchema }),
  });
  const pageError = lastResult && "error" in lastResult && typeof lastResult.error === "string" ? [lastResult.error] : undefined;
  return (
    <div className="flex flex-col gap-6">
      <p className="text-sm">
        <Link to="/organiser" className="text-brand-700 underline">
          Your races
        </Link>
      </p>
      <h1 className="text-2xl font-bold">{organisation.name}: team</h1>
      <FormError id="team-error" errors={pageError} />
      <Card>
        <h2 className="font-semibold">Members</h2>
        <ul className="mt-3 divide-y divide-slate-200">
          {members.map((member) => (
            <li key={member.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
              <div>
                <p className="font-medium">
                  {member.user.name} {member.user.id === me ? <Badge>you</Badge> : null}
                </p>
                <p className="text-sm text-slate-600">{member.user.email}</p>
              </div>
              <div className="flex flex-wrap items-end gap-2">
                <Form method="post" className="flex items-end gap-2">
                  <input type="hidden" name="intent" value="change-role" />
                  <input type="hidden" name="id" value={member.id} />
                  <SelectField id={`role-${member.id}`} name="role" label={`Role of ${member.user.name}`} defaultValue={member.role} options={roleOptions} />
                  <Button type="submit" variant="secondary">
                    Change role
                  </Button>
                </Form>
                <Form method="post">
                  <input type="hidden" name="id" value={member.id} />
                  <Button type="submit" name="intent" value="remove" variant="ghost">
                    Remove {member.user.name}
                  </Button>
                </Form>
              </div>
            </li>
          ))}
        </ul>
      </Card>
      <Card>
        <h2 className="font-semibold">Invite someone</h2>
        <Form method="post" {...getFormProps(form)} className="mt-3 flex flex-col gap-4">
          <FormError id={form.errorId} errors={form.errors} />
          <Field label="Email address" errors={fields.email.errors} {...getInputProps(fields.email, { type: "email" })} />
          <SelectField label="Role" options={roleOptions} errors={fields.role.errors} {...getSelectProps(fields.role)} />
          <Button type="submit" name="intent" value="invite" pending={navigation.formData?.get("intent") === "invite"} pendingLabel="Sending…">
            Send invitation
          </Button>
        </Form>
        {invites.length ? (
          <>
            <h3 className="mt-6 text-sm font-semibold">Waiting for an answer</h3>
            <ul className="mt-2 divide-y divide-slate-200 text-sm">
              {invites.map((invite) => (
                <li key={invite.id} className="flex items-center justify-between gap-2 py-2">
                  <span>
                    {invite.email} · {invite.role.toLowerCase()}
                  </span>
                  <Form method="post">
                    <input type="hidden" name="id" value={invite.id} />
                    <Button type="submit" name="intent" value="revoke" variant="ghost">
                      Revoke
                    </Button>
                  </Form>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </Card>
    </div>
  );
}

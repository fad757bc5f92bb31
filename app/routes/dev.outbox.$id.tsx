import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Card } from "~/components/ui";
import { outboxEmail } from "~/presenters/outbox.server";
import { requireOutbox } from "~/utils/outbox.server";

export async function loader({ params }: LoaderFunctionArgs) {
  requireOutbox();
  const email = await outboxEmail(params.id ?? "");
  if (!email) throw new Response("No such email", { status: 404 });
  return { email };
}

export default function OutboxEmailPage() {
  const { email } = useLoaderData<typeof loader>();
  return (
    <Card>
      <Link to="/dev/outbox" className="text-sm text-brand-700 underline">
        Back to the outbox
      </Link>
      <h1 className="mt-3 text-2xl font-bold">{email.subject}</h1>
      <p className="text-sm text-slate-600">To {email.to}</p>
      <iframe title="Email preview" sandbox="" srcDoc={email.html} className="mt-4 h-80 w-full rounded-lg ring-1 ring-slate-200" />
      <details className="mt-4">
        <summary className="cursor-pointer text-sm">Plain text version</summary>
        <pre className="mt-2 whitespace-pre-wrap text-sm">{email.text}</pre>
      </details>
    </Card>
  );
}

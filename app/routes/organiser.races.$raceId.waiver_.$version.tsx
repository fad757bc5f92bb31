import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Badge, Card } from "~/components/ui";
import { waiverInForce, waiverVersion } from "~/services/waivers.server";
import { requireRaceRole } from "~/web/access.server";
import { viewerLocale } from "~/web/locale.server";
import { formatInZone } from "~/lib/time";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Waiver version ${data?.version.version ?? ""} · Startline` }];

const versionParam = z.coerce.number().int().min(1).max(1_000_000);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { race } = await requireRaceRole(request, params.raceId, "MANAGER");
  const number = versionParam.safeParse(params.version);
  const [version, inForce] = number.success ? await Promise.all([waiverVersion(race.id, number.data), waiverInForce(race.id)]) : [null, null];
  if (!version) throw new Response("Not found", { status: 404 });
  const { createdAt, ...rest } = version;
  const savedAt = formatInZone(createdAt, race.timeZone, viewerLocale(request));
  return { race, version: { ...rest, savedAt }, isInForce: inForce?.id === version.id };
}

export default function WaiverVersionPage() {
  const { race, version, isInForce } = useLoaderData<typeof loader>();
  return (
    <Card>
      <p className="text-sm">
        <Link to={`/organiser/races/${race.id}/waiver`} className="text-brand-700 underline">
          Back to the waiver
        </Link>
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <h2 className="text-xl font-bold">Version {version.version}</h2>
        {isInForce ? <Badge tone="good">in force</Badge> : <Badge>superseded</Badge>}
      </div>
      <dl className="mt-3 grid grid-cols-1 gap-x-4 gap-y-1 text-sm text-slate-700 sm:grid-cols-[auto_1fr]">
        <dt className="font-medium">Saved</dt>
        <dd>{version.savedAt}</dd>
        <dt className="font-medium">By</dt>
        <dd>{version.author}</dd>
        <dt className="font-medium">Signatures</dt>
        <dd>{version.signatureCount}</dd>
        <dt className="font-medium">Content hash (sha256)</dt>
        <dd className="break-all font-mono text-xs">{version.contentHash}</dd>
      </dl>
      <article className="mt-6 border-t border-slate-200 pt-4">
        <h3 className="text-lg font-semibold">{version.title}</h3>
        <div className="mt-2 whitespace-pre-wrap break-words text-slate-800">{version.text}</div>
      </article>
    </Card>
  );
}

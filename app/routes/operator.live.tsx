import type { LoaderFunctionArgs } from "@remix-run/node";
import { operatorOverview, type OperatorOverview } from "~/presenters/operator.server";
import { channels, type OperatorsMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { requireOperator } from "~/web/auth.server";

/**
 * The operator home's tiles, live: re-read when a job finishes or an operator acts (at most once a second), and every
 * 5 s in any case, since a queue can fill and a worker go stale without a message.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const operator = await requireOperator(request);
  return liveStream<OperatorsMessage, OperatorOverview>({
    request,
    context,
    viewer: { userId: operator.id, authorize: () => requireOperator(request) },
    channel: channels.operators(),
    snapshot: () => operatorOverview(),
    resnapshotEveryMs: 1_000,
    refreshEveryMs: 5_000,
  });
}

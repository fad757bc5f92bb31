import type { LoaderFunctionArgs } from "@remix-run/node";
import { channels, type OrderMessage } from "~/realtime/channels";
import { liveStream } from "~/realtime/stream.server";
import { buyerOrder, type BuyerOrder } from "~/services/orders.server";
import { requireUser, sessionViewer } from "~/web/auth.server";

/** The buyer's order, live: a fresh read whenever payment, expiry or a refund changes it. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const order = await buyerOrder(params.orderId ?? "", user.id);
  return liveStream<OrderMessage, BuyerOrder>({
    request,
    context,
    viewer: sessionViewer(request, user),
    channel: channels.order(order.id),
    snapshot: () => buyerOrder(order.id, user.id),
    resnapshotEveryMs: 100,
  });
}

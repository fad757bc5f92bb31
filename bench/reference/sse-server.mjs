// The bare reference for the SSE benchmark: node:http and nothing else. GET /live holds an event stream
// open and sends a first frame; POST /publish?marker=… writes one frame to every open stream; a ping goes
// to all every 15 s, as Startline's feeds do. Prints {"port": …} when listening.
import { createServer } from "node:http";

const clients = new Set();
const server = createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (req.method === "GET" && url.pathname === "/live") {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
    res.write(`event: snapshot\ndata: {"marker":"initial"}\n\n`);
    clients.add(res);
    res.on("close", () => clients.delete(res));
    return;
  }
  if (req.method === "POST" && url.pathname === "/publish") {
    const frame = `event: snapshot\ndata: ${JSON.stringify({ marker: url.searchParams.get("marker") })}\n\n`;
    for (const client of clients) client.write(frame);
    res.end("ok");
    return;
  }
  res.writeHead(404).end();
});
setInterval(() => {
  const ping = `event: ping\ndata: {"at":${Date.now()}}\n\n`;
  for (const client of clients) client.write(ping);
}, 15_000).unref();
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
process.on("SIGTERM", () => process.exit(0));

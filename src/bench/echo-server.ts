// The yardstick for HTTP order entry: a bare fastify route that parses the
// same JSON body and answers it in the same envelope. Prints its URL.

import Fastify from "fastify";

const app = Fastify({ logger: false });
app.post("/echo", async (req) => ({ status: 0, msg: "ok", data: req.body }));
await app.listen({ port: 0, host: "127.0.0.1" });
const a = app.server.address();
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}` })}\n`,
);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));

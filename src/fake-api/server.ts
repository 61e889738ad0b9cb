import { setMaxListeners } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { FakeApiHandler } from "./handle.js";
import type { FakeApi, FakeApiOptions } from "./types.js";

/** The only address the fake API ever listens on. */
export const FAKE_API_HOST = "127.0.0.1";

/**
 * Starts the fake Anthropic Messages API on 127.0.0.1 (never another interface). Resolves once it
 * listens; `close()` ends every connection, including those held open by timeout faults.
 */
export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port ${port}`);
  const lifetime = new AbortController();
  // Every pending latency delay listens on this signal: hundreds at once under load are expected.
  setMaxListeners(0, lifetime.signal);
  const handler = new FakeApiHandler(options, lifetime.signal);
  const sockets = new Set<Socket>();
  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, (req, res) => {
    void handler.handle(req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host: FAKE_API_HOST, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${FAKE_API_HOST}:${address.port}`,
    port: address.port,
    stats: () => handler.stats(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        lifetime.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

export type { FakeRequest, ReplySpec } from "./types.js";

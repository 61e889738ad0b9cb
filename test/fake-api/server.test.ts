import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { FAKE_API_HOST, startFakeApi } from "../../src/fake-api/index.js";
import { clientOf, params, serve } from "./helpers.js";

function tryConnect(host: string, port: number): Promise<"connected" | "refused"> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", () => resolve("refused"));
    socket.once("timeout", () => {
      socket.destroy();
      resolve("refused");
    });
  });
}

describe("fake API server", () => {
  it("binds 127.0.0.1 only", async () => {
    const api = await serve();
    expect(FAKE_API_HOST).toBe("127.0.0.1");
    expect(api.url).toBe(`http://127.0.0.1:${api.port}`);
    expect(api.port).toBeGreaterThan(0);
    expect(await tryConnect("127.0.0.1", api.port)).toBe("connected");
    expect(await tryConnect("::1", api.port)).toBe("refused");
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal)
      .map((i) => i!.address);
    for (const address of external) expect(await tryConnect(address, api.port)).toBe("refused");
  });

  it("takes a fixed port, and refuses one in use", async () => {
    const first = await serve();
    await expect(startFakeApi({ port: first.port })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
    const again = await serve({ port: first.port });
    expect(again.port).toBe(first.port);
  });

  it("close() ends idle keep-alive, in-flight and hanging connections, and is idempotent", async () => {
    const api = await serve({ latencyMs: 5_000 });
    const inFlight = clientOf(api, { timeout: 10_000 })
      .messages.create(params)
      .then(
        () => "answered",
        () => "failed",
      );
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await Promise.all([api.close(), api.close()]);
    expect(await inFlight).toBe("failed");
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await tryConnect("127.0.0.1", api.port)).toBe("refused");
  });
});

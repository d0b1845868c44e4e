/**
 * CPU per LLM call through the official OpenAI SDK (the worker's provider) against the fake OpenAI
 * server, with each fetch the worker can hand the SDK: undici's fetch vs the buffered fetch over
 * undici.request. `pnpm tsx bench/probes/sdk-fetch.ts`: CPU of this process (client and fake) per
 * call, warmed, 32 calls in flight, three rounds.
 */
import { startFakeOpenAI } from "@lx/sandbox";

import { bufferedFetch, sdkFetch } from "../../apps/worker/src/http.ts";
import { createOpenAiProvider } from "../../apps/worker/src/llm/openai.ts";

const llm = await startFakeOpenAI({ latencyMs: 0 });

async function run(f: typeof fetch, calls: number): Promise<{ msPerCall: number; perS: number }> {
  const provider = createOpenAiProvider({ apiKey: "k", baseURL: `${llm.url}/v1`, fetch: f, maxRetries: 0 });
  let next = 0;
  const one = async () => {
    while (next++ < calls) {
      await provider.generate({ model: "gpt-4o-mini", temperature: 0, maxOutputTokens: 100, system: "s", turns: [{ role: "user", content: "olá" }], tools: [] });
    }
  };
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  await Promise.all(Array.from({ length: 32 }, one));
  const cpu = process.cpuUsage(t0);
  return { msPerCall: (cpu.user + cpu.system) / 1000 / calls, perS: calls / ((performance.now() - w0) / 1000) };
}

for (let round = 1; round <= 3; round++) {
  for (const [name, f] of [["undici fetch    ", sdkFetch], ["buffered request", bufferedFetch]] as const) {
    await run(f, 500);
    const r = await run(f, 3000);
    console.log(`round ${round} ${name}: ${r.msPerCall.toFixed(3)} ms CPU per call (client + fake), ${r.perS.toFixed(0)} calls/s`);
  }
}
await llm.stop();

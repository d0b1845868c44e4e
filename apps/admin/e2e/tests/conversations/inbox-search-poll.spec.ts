import { HAVEN } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";

test("[INBOX]: an open search is polled every minute (a common term reads the last messages), the plain list every 5 s", async ({
  page,
  apiSignin,
}) => {
  const polls: string[] = [];
  let answered = 0;
  const isList = (url: string) => new URL(url).pathname.includes("conversations.list");
  page.on("request", (request) => {
    if (isList(request.url())) {
      polls.push(request.url());
    }
  });
  page.on("requestfinished", (request) => {
    if (isList(request.url())) {
      answered += 1;
    }
  });
  // The page's timers run on a clock the test moves: no waiting for real minutes. After each move,
  // the polls it sent are let finish (with the clock stopped, a poll still in flight at the next
  // tick would make the client skip that tick).
  await page.clock.install();
  const advance = async (ms: number) => {
    await page.clock.runFor(ms);
    await expect.poll(() => answered).toBe(polls.length);
    await page.clock.runFor(10);
  };
  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}/conversations?q=${encodeURIComponent("sábado")}`);
  await expect(page.getByRole("heading", { name: "Conversas", level: 1 })).toBeVisible();
  await expect(page.getByLabel("Buscar", { exact: true })).toHaveValue("sábado");
  await expect.poll(() => polls.length).toBe(1);
  await page.clock.pauseAt(Date.now() + 1000);

  // Every 5 s for 55 s: no poll (the plain list's interval would have sent one at each step).
  for (let step = 0; step < 11; step++) {
    await advance(5_000);
    expect(polls, `after ${(step + 1) * 5} s`).toHaveLength(1);
  }
  // At 60 s, the search's poll.
  await advance(5_000);
  expect(polls).toHaveLength(2);
  expect(polls.every((url) => url.includes("s%C3%A1bado"))).toBe(true);

  // The search cleared: the plain list, polled every 5 s again.
  await page.getByLabel("Buscar", { exact: true }).fill("");
  await page.getByRole("button", { name: "Buscar" }).click();
  await expect(page).not.toHaveURL(/[?&]q=/);
  await advance(100); // the client's request batching waits on a timer too
  expect(polls).toHaveLength(3);
  await advance(5_000);
  expect(polls).toHaveLength(4);
  await advance(5_000);
  expect(polls).toHaveLength(5);
});

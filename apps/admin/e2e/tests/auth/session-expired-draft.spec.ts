/**
 * A session that ends while an operator edits a big spec draft: the save over the API's anonymous
 * body cap (64 KiB) is answered UNAUTHORIZED like any other request of a dead session, so the console
 * sends the operator to the login page saying why — not "sign in to send more" (a 413) on the editor.
 */
import { resetHavenDraft } from "../../fixtures/drafts.ts";
import { expect, test } from "../../fixtures/test.ts";

const SPEC_URL = "/tenants/haven/agents/recepcao/spec";

test.afterEach(async ({ operatorApi }) => {
  await resetHavenDraft(operatorApi);
});

test("[AUTH]: saving a draft over 64 KiB after the session ended lands on the login page with the reason", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  await resetHavenDraft(operatorApi);
  await apiSignin("operator");
  await page.goto(`${SPEC_URL}?view=json`);
  const editor = page.getByTestId("spec-json");
  const valid = await editor.inputValue();
  expect(valid).toContain('"name": "Ana"');

  // The session ends under the operator (the cookie now names no live session).
  const session = (await page.context().cookies()).find((c) => c.name === "lx_session");
  expect(session).toBeDefined();
  if (session) {
    await page.context().addCookies([{ ...session, value: "a".repeat(43) }]);
  }

  const requests: number[] = [];
  page.on("response", (response) => {
    if (response.url().includes("/trpc/drafts.save")) {
      requests.push(response.status());
    }
  });
  await editor.fill(valid.replace('"name": "Ana"', `"name": "Ana ${"x".repeat(70_000)}"`));
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await expect(page.getByTestId("session-ended")).toBeVisible();
  expect(requests).toContain(401);
  expect(requests).not.toContain(413);
});

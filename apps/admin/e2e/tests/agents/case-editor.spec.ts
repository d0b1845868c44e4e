import { expect, test } from "../../fixtures/test.ts";

const TESTS_URL = "/tenants/haven/agents/recepcao/tests";

test.beforeEach(async ({ apiSignin }) => {
  await apiSignin("operator");
});

test("[TEST CASES]: every expectation kind reads in full in its select, never clipped", async ({ page, shot }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(TESTS_URL);
  await page.getByRole("button", { name: "Novo caso" }).click();
  const editor = page.getByTestId("case-editor");
  const kind = editor.getByRole("combobox", { name: "Expectativas 1" });
  await kind.selectOption("no_handoff");
  await expect(kind.locator("option:checked")).toHaveText("Não transfere para humano");
  // The select's text box (its width less its padding, the arrow's included) holds its longest option,
  // whatever the font: a fixed width fitted to this machine's font clipped it on a wider one
  // ("Não transfere para humanc"), so the check runs with a wider font than the console's.
  // (Through the CSSOM: the console's Content-Security-Policy refuses an injected <style>.)
  await kind.evaluate((select: HTMLSelectElement) => {
    select.style.fontSize = "17px";
    select.style.fontFamily = '"DejaVu Sans", Verdana, sans-serif';
  });
  const fit = await kind.evaluate((select: HTMLSelectElement) => {
    const style = getComputedStyle(select);
    const context = document.createElement("canvas").getContext("2d");
    if (!context) {
      throw new Error("no canvas");
    }
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const widest = Math.max(...Array.from(select.options, (option) => context.measureText(option.text).width));
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return { widest, room };
  });
  expect(fit.room).toBeGreaterThanOrEqual(fit.widest);
  await shot("case-editor-expectation");
});

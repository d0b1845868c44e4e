/**
 * The console on a phone (390 × 844): no page scrolls sideways (wide tables scroll inside their own
 * box), and the navigation is a drawer behind a menu button. At 1440 px the sidebar is as always.
 */
import type { Page } from "@playwright/test";

import { conversationAnswered, customerSays, newCustomer } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";

const PHONE = { width: 390, height: 844 };

/**
 * Whether the page is wider than the window, and if so the elements sticking out (those not inside
 * a box that scrolls or clips them), so a failure names the culprit.
 */
async function sidewaysOverflow(
  page: Page,
): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const culprits: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const rect = el.getBoundingClientRect();
      if (rect.right <= innerWidth + 1 || rect.width === 0) {
        continue;
      }
      let clipped = false;
      for (let parent = el.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const overflowX = getComputedStyle(parent).overflowX;
        if (overflowX !== "visible" && parent.getBoundingClientRect().right <= innerWidth + 1) {
          clipped = true;
          break;
        }
      }
      if (!clipped && culprits.length < 8) {
        const text = (el.textContent ?? "").trim().slice(0, 40);
        culprits.push(
          `${el.tagName.toLowerCase()}.${String(el.getAttribute("class")).slice(0, 60)} (${Math.round(rect.right)}px) "${text}"`,
        );
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits };
  });
}

/** Opens `path`, waits until the page's data is on screen, and checks it fits the phone's width. */
async function expectFitsPhone(page: Page, path: string, heading: string | RegExp): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  await expect(page.getByText("Carregando…")).toHaveCount(0);
  await page.waitForLoadState("networkidle");
  const overflow = await sidewaysOverflow(page);
  expect(
    overflow.scrollWidth,
    `${path} scrolls sideways: ${overflow.culprits.join(" | ")}`,
  ).toBeLessThanOrEqual(overflow.innerWidth);
  // Headings wrap between words, never inside one ("Empresa / s").
  // (Without the permission to break inside a word, it still fits its box.)
  const h1 = page.getByRole("heading", { level: 1 });
  const wholeWords = await h1.evaluate((el) => {
    const heading = el as HTMLElement;
    heading.style.overflowWrap = "normal";
    heading.style.wordBreak = "normal";
    const fits = heading.scrollWidth <= heading.clientWidth;
    heading.style.overflowWrap = "";
    heading.style.wordBreak = "";
    return fits;
  });
  expect(wholeWords, `${path}: the heading breaks inside a word`).toBe(true);
}

test.describe("on a phone", () => {
  test.use({ viewport: PHONE });

  test("[LAYOUT]: the client's pages fit 390 px; the menu button opens the drawer, a link navigates and closes it", async ({
    page,
    apiSignin,
    shot,
  }) => {
    await apiSignin("client");
    await expectFitsPhone(page, "/client/metrics", "Métricas");
    await expect(page.getByTestId("kpi-bot-frt")).toBeVisible();
    // The time zone's offset stays on one line: "(GMT-3)", never "(GMT-" and "3)" on the next.
    const zone = page.getByTestId("metrics-timezone");
    await expect(zone).toContainText("(GMT-3).");
    const offsetLines = await zone.evaluate((el) => {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = (node.textContent ?? "").indexOf("(GMT-3)");
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + "(GMT-3)".length);
          return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size;
        }
      }
      return -1;
    });
    expect(offsetLines).toBe(1);
    await shot("mobile-client-metrics");
    await expectFitsPhone(page, "/client/versions", "Versões");
    await shot("mobile-client-versions");
    await expectFitsPhone(page, "/client/appointments", "Agendamentos");
    await shot("mobile-client-appointments");
    await expectFitsPhone(page, "/client/deals", /Leads/);
    await shot("mobile-client-deals");

    // The sidebar is behind the menu button.
    const sidebar = page.getByTestId("sidebar");
    const menu = page.getByRole("button", { name: "Abrir menu" });
    await expect(sidebar).toBeHidden();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await menu.click();
    await expect(sidebar).toBeVisible();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await expect(page.getByRole("button", { name: "Fechar menu" })).toBeFocused();
    await shot("mobile-drawer-open");

    // Escape closes it and gives focus back to the menu button.
    await page.keyboard.press("Escape");
    await expect(sidebar).toBeHidden();
    await expect(menu).toBeFocused();

    // The backdrop closes it.
    await menu.click();
    await expect(sidebar).toBeVisible();
    await page.getByTestId("menu-backdrop").click({ position: { x: 370, y: 400 } });
    await expect(sidebar).toBeHidden();

    // A link navigates and closes it.
    await menu.click();
    await sidebar.getByRole("link", { name: "Métricas" }).click();
    await expect(page).toHaveURL(/\/client\/metrics$/);
    await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
    await expect(sidebar).toBeHidden();
  });

  test("[LAYOUT]: the operator's tenants, tenant page, inbox, thread, audit and operations fit 390 px", async ({
    page,
    apiSignin,
    operatorApi,
    request,
    shot,
  }) => {
    const customer = newCustomer("Celular");
    await customerSays(request, customer, "Oi! Vocês abrem no sábado de manhã?");
    const conversationId = await conversationAnswered(operatorApi, customer);

    await apiSignin("operator");
    await expectFitsPhone(page, "/tenants", "Empresas");
    await shot("mobile-tenants");
    await expectFitsPhone(page, `/tenants/${HAVEN.slug}`, HAVEN.name);
    await shot("mobile-tenant");
    await expectFitsPhone(page, `/tenants/${HAVEN.slug}/conversations`, "Conversas");
    await shot("mobile-inbox");
    await expectFitsPhone(page, `/tenants/${HAVEN.slug}/conversations?c=${conversationId}`, "Conversas");
    await expect(page.getByTestId("thread-header")).toContainText(customer.name);
    // A time and its unit stay on one line ("gerada em 0 ms": a no-break space between them).
    const bot = page.locator('[data-testid="message"][data-author="bot"]').first();
    await expect(bot).toContainText("gerada em");
    expect(await bot.evaluate((el) => el.textContent ?? "")).toMatch(
      /gerada em \d[\d.,]*\u00a0(ms|s|min|h)\b/,
    );
    await shot("mobile-thread");
    // On a phone the open thread takes the screen; back to the list, and the list again opens it.
    const listRow = page.getByTestId("conversation-row").first();
    await expect(listRow).toBeHidden();
    await page.getByRole("button", { name: "Voltar à lista" }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${HAVEN.slug}/conversations$`));
    await expect(listRow).toBeVisible();
    await page.getByTestId("conversation-row").filter({ hasText: customer.name }).click();
    await expect(page.getByTestId("thread-header")).toContainText(customer.name);
    await expect(page.getByRole("button", { name: "Voltar à lista" })).toBeVisible();
    await expectFitsPhone(page, "/audit", "Auditoria");
    await shot("mobile-audit");
    await expectFitsPhone(page, "/operations", "Operações");
    await shot("mobile-operations");
  });
});

test("[LAYOUT]: at 1440 px the sidebar is always there, with no menu button", async ({
  page,
  apiSignin,
  shot,
}) => {
  await apiSignin("client");
  await page.goto("/client/metrics");
  await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
  await expect(page.getByTestId("sidebar")).toBeVisible();
  await expect(page.getByRole("button", { name: "Abrir menu" })).toBeHidden();
  const box = await page.getByTestId("sidebar").boundingBox();
  expect(box?.width).toBe(240);
  await expect(page.getByText("Carregando…")).toHaveCount(0);
  await shot("desktop-client-metrics");
});

test("[LAYOUT]: at 1280 px the audit filters show in full (the row wraps instead of squeezing them)", async ({
  page,
  apiSignin,
  shot,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await apiSignin("operator");
  await page.goto("/audit");
  const filters = page.getByRole("form", { name: "Filtros" });
  await expect(filters).toBeVisible();
  for (const name of ["De", "Até", "Ator"]) {
    const input = filters.getByLabel(name, { exact: true });
    // The control is at least as wide as what it shows (the date's "dd/mm/aaaa, --:--", the hint).
    const fits = await input.evaluate((el) => {
      const input = el as HTMLInputElement;
      if (input.type === "datetime-local") {
        return input.clientWidth >= 190;
      }
      const probe = document.createElement("span");
      const style = getComputedStyle(input);
      probe.style.font = style.font;
      probe.style.position = "absolute";
      probe.style.whiteSpace = "pre";
      probe.textContent = input.placeholder;
      document.body.append(probe);
      const text = probe.getBoundingClientRect().width;
      probe.remove();
      const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      return input.clientWidth - padding >= text;
    });
    expect(fits, `the "${name}" filter is cut off`).toBe(true);
  }
  await shot("audit-filters-1280");
});

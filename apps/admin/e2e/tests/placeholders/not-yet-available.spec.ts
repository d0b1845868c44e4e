import { expect, test } from "../../fixtures/test.ts";

test("[PLACEHOLDERS]: screens whose APIs do not exist yet say so and show no data", async ({
  page,
  apiSignin,
  shot,
}) => {
  await apiSignin("operator");
  const screens: [string, string][] = [
    ["/tenants/haven/conversations", "Conversas"],
    ["/tenants/haven/setup", "Checklist de entrega"],
    ["/tenants/haven/agents/recepcao/test-chat", "Chat de teste"],
    ["/operations", "Operações"],
    ["/tenants/new", "Nova empresa"],
  ];
  for (const [path, title] of screens) {
    await page.goto(path);
    const placeholder = page.getByTestId("not-available");
    await expect(placeholder).toContainText("Ainda não disponível");
    await expect(placeholder).toContainText(title);
    await expect(placeholder).toContainText("Nenhum dado é exibido aqui até a API existir.");
  }
  await page.goto("/operations");
  await shot("placeholder-operations");
});

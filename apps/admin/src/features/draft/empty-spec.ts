/** The editor's starting point for an agent with no version and no draft: fill in and it is valid. */
export function emptySpec(): Record<string, unknown> {
  return {
    specVersion: 1,
    agent: { name: "", role: "general", language: "pt-BR", timezone: "America/Sao_Paulo" },
    business: { name: "", description: "" },
    goals: [""],
    handoff: { keywords: [], allowModelRequest: true, message: "" },
  };
}

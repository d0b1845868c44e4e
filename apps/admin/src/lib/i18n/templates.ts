/** The tenant page's Meta templates card (pt-BR is the shape; `en` must match it key for key). */
export const templatesPtBR = {
  title: "Templates da Meta",
  subtitle:
    "Fora da janela de 24 horas o agente só escreve com um template aprovado. A Meta pausa ou desativa templates de baixa qualidade; o status aqui acompanha os avisos dela.",
  empty: "Nenhum template",
  emptyHint:
    "Sem template de retomada, respostas fora da janela de 24 horas ficam bloqueadas. Declare os templates aprovados no arquivo apply ou no cadastro da empresa.",
  template: "Template",
  use: "Uso",
  status: "Status na Meta",
  usedBy: "Usado por",
  nobody: "nenhum agente ativo",
  statuses: {
    approved: "Aprovado",
    pending: "Em análise",
    rejected: "Rejeitado",
    paused: "Pausado",
    disabled: "Desativado",
  } as Record<string, string | undefined>,
  purposes: { reengagement: "retomada", reminder: "lembrete", handoff: "transferência", other: "outro" } as Record<
    string,
    string | undefined
  >,
  metaChange: (event: string, reason: string | null, when: string) =>
    `Meta: ${event}${reason && reason !== "NONE" ? ` (${reason})` : ""} · ${when}`,
  blocked: (template: string, status: string, agents: string) =>
    `${template} está ${status.toLowerCase()} na Meta: as respostas de ${agents} fora da janela de 24 horas ficam bloqueadas até a Meta aprovar de novo.`,
  missing: (agent: string, purpose: string, template: string) =>
    `${agent} usa ${template} como ${purpose}, mas a empresa não tem esse template: esses envios ficam bloqueados.`,
  wabaUnknown:
    "A Meta ainda não identificou a conta (WABA) de nenhum número desta empresa: o status é registrado a partir da primeira mensagem recebida pelo número (ou informe wabaId no arquivo apply).",
  add: "Novo template",
  edit: "Editar",
  newTitle: "Novo template",
  newBody:
    "Um template já aprovado no WhatsApp Manager da Meta, com o nome, o idioma e o texto exatos de lá. Ele entra como aprovado; os avisos da Meta mudam o status depois.",
  editTitle: (template: string) => `Editar ${template}`,
  editBody: "O nome e o idioma são como a Meta conhece o template; para trocá-los, crie outro.",
  purposeNone: "Nenhum em especial",
  create: "Criar template",
  save: "Salvar",
  created: (template: string) => `Template ${template} criado.`,
  saved: (template: string) => `Template ${template} salvo.`,
  unchanged: "Nada mudou.",
  exists: (template: string) => `A empresa já tem o template ${template}.`,
  removeTitle: (template: string) => `Remover ${template}?`,
  removeBody: "Os agentes deixam de poder enviá-lo. O template continua na Meta; isto só tira a declaração daqui.",
  removed: (template: string) => `Template ${template} removido.`,
  inUse: (agents: string) => `Em uso pela versão ativa de ${agents}: ative uma versão sem ele antes de remover.`,
};

export const templatesEn: typeof templatesPtBR = {
  title: "Meta templates",
  subtitle:
    "Outside the 24-hour window the agent may only write with an approved template. Meta pauses or disables low-quality templates; the status here follows Meta's notices.",
  empty: "No templates",
  emptyHint:
    "Without a re-engagement template, replies outside the 24-hour window are blocked. Declare the approved templates in the apply file or when the tenant is set up.",
  template: "Template",
  use: "Use",
  status: "Status at Meta",
  usedBy: "Used by",
  nobody: "no active agent",
  statuses: { approved: "Approved", pending: "In review", rejected: "Rejected", paused: "Paused", disabled: "Disabled" },
  purposes: { reengagement: "re-engagement", reminder: "reminder", handoff: "handoff", other: "other" },
  metaChange: (event, reason, when) => `Meta: ${event}${reason && reason !== "NONE" ? ` (${reason})` : ""} · ${when}`,
  blocked: (template, status, agents) =>
    `${template} is ${status.toLowerCase()} at Meta: ${agents}'s replies outside the 24-hour window are blocked until Meta approves it again.`,
  missing: (agent, purpose, template) =>
    `${agent} uses ${template} as its ${purpose} template, but the tenant does not have it: those sends are blocked.`,
  wabaUnknown:
    "Meta has not yet named the account (WABA) of any of this tenant's numbers: the status is recorded from a number's first message (or give wabaId in the apply file).",
  add: "New template",
  edit: "Edit",
  newTitle: "New template",
  newBody:
    "A template already approved in Meta's WhatsApp Manager, with its exact name, language and text there. It starts as approved; Meta's notices change its status afterwards.",
  editTitle: (template) => `Edit ${template}`,
  editBody: "The name and language are how Meta knows the template; to change them, create another.",
  purposeNone: "Nothing in particular",
  create: "Create template",
  save: "Save",
  created: (template) => `Template ${template} created.`,
  saved: (template) => `Template ${template} saved.`,
  unchanged: "Nothing changed.",
  exists: (template) => `The tenant already has template ${template}.`,
  removeTitle: (template) => `Remove ${template}?`,
  removeBody: "Agents can no longer send it. The template stays at Meta; this only removes its declaration here.",
  removed: (template) => `Template ${template} removed.`,
  inUse: (agents) => `In use by the active version of ${agents}: activate a version without it before removing it.`,
};

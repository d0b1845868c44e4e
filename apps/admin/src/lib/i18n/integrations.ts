/** The tenant page's integrations card (pt-BR is the shape; `en` must match it key for key). */
export const integrationsPtBR = {
  title: "Integrações",
  subtitle:
    "Os segredos que a empresa usa fora do WhatsApp: a assinatura dos webhooks que enviamos e o token do CRM. Ficam cifrados e nunca são mostrados de volta.",
  set: "Definido",
  notSet: "Não definido",
  agent: "Agente",
  use: "Uso",
  url: "URL",
  webhookTitle: "Segredo dos webhooks",
  webhookBody:
    "Assina cada aviso de transferência e cada chamada ao n8n/Make (agenda e CRM por webhook) que os agentes fazem.",
  verifyBefore: "Como o receptor confere: o cabeçalho",
  verifyHeader: "X-LX-Signature: sha256=<HMAC-SHA256 em hex do corpo bruto>",
  verifyAfter: "é calculado com este segredo sobre o corpo exatamente como chegou, antes de ler o JSON.",
  uses: {
    handoff: "Aviso de transferência",
    calendar: "Agenda (n8n/Make)",
    crm: "CRM (n8n/Make)",
  },
  noUses: "Nenhuma versão ativa envia webhooks assinados por enquanto.",
  rotate: "Gerar novo segredo",
  useExisting: "Usar um segredo existente",
  rotateTitle: "Gerar um novo segredo?",
  rotateBody:
    "Os avisos e chamadas passam a ser assinados com o novo segredo. Durante a sobreposição, levam também o cabeçalho X-LX-Signature-Previous, assinado com o atual, e um receptor que ainda confere o antigo continua aceitando-os; atualize o n8n e os receptores antes de ela acabar.",
  overlapLegend: "Sobreposição",
  overlapLabel: (hours: number) =>
    hours === 0 ? "Sem sobreposição: o segredo atual vazou" : hours === 1 ? "1 hora" : `${hours} horas (recomendado)`,
  overlapHint: (hours: number) =>
    hours === 0
      ? "O segredo atual deixa de valer na hora: um receptor que ainda confere o antigo vai recusar os avisos e chamadas."
      : `O segredo atual ainda assina X-LX-Signature-Previous por ${hours === 1 ? "1 hora" : `${hours} horas`}; depois é apagado.`,
  previousUntil: (when: string) =>
    `Segredo anterior aceito até ${when}: os avisos e chamadas levam também X-LX-Signature-Previous, assinado com ele.`,
  newSecretTitle: "Novo segredo dos webhooks",
  newSecretBody: "Os próximos avisos e chamadas já são assinados com ele.",
  copiedConfirm: "Copiei o segredo e o guardei onde o n8n ou o receptor o lê",
  closeAfterCopy: "Fechar fica disponível depois de marcar acima: o segredo não pode ser mostrado de novo.",
  secret: "Segredo",
  shownOnce: "Copie agora e cole no n8n / receptor: ele não será mostrado de novo.",
  copied: "Segredo copiado",
  copyFailed: "Não foi possível copiar: o segredo está selecionado, copie com Ctrl+C.",
  pasteTitle: "Usar um segredo existente",
  pasteBody:
    "Cole o segredo que o n8n ou o receptor da empresa já confere. Ele substitui o atual e não é mostrado de volta.",
  atLeast: (min: number) => `Ao menos ${min} caracteres.`,
  saveSecret: "Salvar segredo",
  secretSaved: "Segredo dos webhooks salvo.",
  crmTitle: "Token do CRM",
  crmBody: "O token da API do Pipedrive (api_token) ou do RD Station CRM, usado pelos agentes com esse CRM.",
  crmUsedBy: "Usado por",
  crmNobody: "Nenhuma versão ativa usa o Pipedrive ou o RD Station.",
  backends: { pipedrive: "Pipedrive", rdstation: "RD Station CRM", webhook: "n8n/Make" } as Record<
    string,
    string | undefined
  >,
  defaultUrl: "URL padrão",
  crmSet: "Definir",
  crmReplace: "Substituir",
  crmInUse: (agents: string) =>
    `Em uso pela versão ativa de ${agents}: ative uma versão sem esse CRM antes de remover o token.`,
  crmSetTitle: "Definir o token do CRM",
  crmReplaceTitle: "Substituir o token do CRM",
  crmDialogBody: "Cole o token da API. Ele fica cifrado e não é mostrado de volta, nem aqui.",
  crmToken: "Token da API",
  saveToken: "Salvar token",
  crmSaved: "Token do CRM salvo.",
  crmRemoveTitle: "Remover o token do CRM?",
  crmRemoveBody: "Nenhum agente poderá falar com o Pipedrive ou o RD Station até um novo token ser definido.",
  crmRemoved: "Token do CRM removido.",
  crmTokenMissing: (agent: string, backend: string) =>
    `${agent} usa o ${backend} na versão ativa, mas não há token do CRM: as chamadas ao CRM vão falhar até ele ser definido.`,
  webhookSecretMissing: (agent: string) =>
    `${agent} envia webhooks assinados na versão ativa, mas não há segredo: os avisos e chamadas não saem até um ser gerado.`,
};

export const integrationsEn: typeof integrationsPtBR = {
  title: "Integrations",
  subtitle:
    "The secrets the tenant uses outside WhatsApp: the signature of the webhooks we send and the CRM token. Stored encrypted and never shown back.",
  set: "Set",
  notSet: "Not set",
  agent: "Agent",
  use: "Use",
  url: "URL",
  webhookTitle: "Webhook secret",
  webhookBody:
    "Signs every handoff notice and every n8n/Make call (calendar and CRM by webhook) the agents make.",
  verifyBefore: "How the receiver verifies: the header",
  verifyHeader: "X-LX-Signature: sha256=<hex HMAC-SHA256 of the raw body>",
  verifyAfter: "is computed with this secret over the body exactly as it arrived, before parsing the JSON.",
  uses: {
    handoff: "Handoff notice",
    calendar: "Calendar (n8n/Make)",
    crm: "CRM (n8n/Make)",
  },
  noUses: "No active version sends signed webhooks yet.",
  rotate: "Generate a new secret",
  useExisting: "Use an existing secret",
  rotateTitle: "Generate a new secret?",
  rotateBody:
    "Notices and calls are signed with the new secret. During the overlap they also carry the X-LX-Signature-Previous header, signed with the current one, so a receiver still checking the old secret keeps accepting them; update n8n and the receivers before it ends.",
  overlapLegend: "Overlap",
  overlapLabel: (hours) =>
    hours === 0 ? "No overlap: the current secret leaked" : hours === 1 ? "1 hour" : `${hours} hours (recommended)`,
  overlapHint: (hours) =>
    hours === 0
      ? "The current secret stops working at once: a receiver still checking the old one will refuse the notices and calls."
      : `The current secret still signs X-LX-Signature-Previous for ${hours === 1 ? "1 hour" : `${hours} hours`}; then it is erased.`,
  previousUntil: (when) =>
    `Previous secret accepted until ${when}: notices and calls also carry X-LX-Signature-Previous, signed with it.`,
  newSecretTitle: "New webhook secret",
  newSecretBody: "The next notices and calls are already signed with it.",
  copiedConfirm: "I copied the secret and stored it where n8n or the receiver reads it",
  closeAfterCopy: "Close is available once you tick the box above: the secret cannot be shown again.",
  secret: "Secret",
  shownOnce: "Copy it now into n8n / the receiver: it will not be shown again.",
  copied: "Secret copied",
  copyFailed: "Could not copy: the secret is selected, copy it with Ctrl+C.",
  pasteTitle: "Use an existing secret",
  pasteBody:
    "Paste the secret the tenant's n8n or receiver already checks. It replaces the current one and is not shown back.",
  atLeast: (min) => `At least ${min} characters.`,
  saveSecret: "Save secret",
  secretSaved: "Webhook secret saved.",
  crmTitle: "CRM token",
  crmBody: "The Pipedrive (api_token) or RD Station CRM API token, used by the agents on that CRM.",
  crmUsedBy: "Used by",
  crmNobody: "No active version uses Pipedrive or RD Station.",
  backends: { pipedrive: "Pipedrive", rdstation: "RD Station CRM", webhook: "n8n/Make" },
  defaultUrl: "default URL",
  crmSet: "Set",
  crmReplace: "Replace",
  crmInUse: (agents) =>
    `In use by the active version of ${agents}: activate a version without that CRM before removing the token.`,
  crmSetTitle: "Set the CRM token",
  crmReplaceTitle: "Replace the CRM token",
  crmDialogBody: "Paste the API token. It is stored encrypted and not shown back, here either.",
  crmToken: "API token",
  saveToken: "Save token",
  crmSaved: "CRM token saved.",
  crmRemoveTitle: "Remove the CRM token?",
  crmRemoveBody: "No agent can talk to Pipedrive or RD Station until a new token is set.",
  crmRemoved: "CRM token removed.",
  crmTokenMissing: (agent, backend) =>
    `${agent} uses ${backend} in its active version, but there is no CRM token: its CRM calls will fail until one is set.`,
  webhookSecretMissing: (agent) =>
    `${agent} sends signed webhooks in its active version, but there is no secret: its notices and calls do not go out until one is generated.`,
};

/**
 * A customer's data rights' words (LGPD: export, erasure, the tenant's retention window), in the
 * conversation panel and on the tenant page (pt-BR is the shape; `en` must match it key for key).
 */
export const customersPtBR = {
  menu: "Dados do cliente (LGPD)",
  menuHint:
    "Pedidos do titular: uma cópia de tudo o que a empresa guarda sobre este cliente, ou a eliminação definitiva.",
  export: "Exportar dados",
  exported: (file: string) => `Dados exportados: ${file}`,
  erase: "Apagar dados do cliente",
  eraseShort: "Apagar dados",
  eraseTitle: (who: string) => `Apagar os dados de ${who}?`,
  eraseIrreversible: "Esta ação não pode ser desfeita.",
  eraseScope: "Apaga todas as conversas deste cliente com esta empresa, em todos os números:",
  eraseItems: [
    "os textos das mensagens, o nome e o número do cliente;",
    "os resumos das conversas e os motivos das transferências;",
    "os detalhes dos agendamentos e dos leads (os agendamentos futuros são cancelados).",
  ],
  eraseKept: "Os números (contagens, tempos, tokens, versões) ficam: as métricas não mudam.",
  eraseTestCases:
    "Os casos de teste copiados de uma conversa deste cliente (aba Testes do agente) também são apagados: a liberação de versões pede uma nova execução dos testes.",
  confirmLabel: (word: string) => `Digite ${word} para confirmar`,
  eraseSubmit: "Apagar definitivamente",
  erasedTitle: "Dados do cliente apagados",
  erasedToast: "Dados do cliente apagados.",
  result: {
    conversations: "Conversas apagadas",
    messages: "Mensagens apagadas",
    appointmentsCancelled: "Agendamentos cancelados",
    sendsCancelled: "Respostas e envios pendentes cancelados",
    testCasesDeleted: "Casos de teste apagados",
  },
  testCasesDeletedNote: (agents: string) =>
    `Copiados das conversas deste cliente (agente ${agents}). Rode os testes de novo antes de liberar uma versão.`,
  externalTitle: "Apague também nos sistemas do cliente",
  externalBody:
    "Estes registros foram enviados para sistemas da própria empresa e continuam lá. Apague-os à mão em cada sistema:",
  externalKinds: { appointment: "Agendamento", deal: "Lead" } as Record<string, string | undefined>,
  noExternalId: "sem ID externo",
  busy: "Uma resposta a este cliente está sendo escrita ou enviada agora. Tente de novo em alguns segundos.",
  notFound: "Nenhuma conversa com este cliente (ou os dados já foram apagados).",
  alreadyErased: "Os dados deste cliente já foram apagados.",
  notACustomer: "Informe um número de WhatsApp ou um ID de usuário da Meta.",
  cardTitle: "Dados dos clientes (LGPD)",
  cardSubtitle:
    "Por quanto tempo as conversas ficam guardadas, e os pedidos de acesso e de eliminação dos clientes.",
  retention: "Retenção",
  retentionDays: (days: string) => `Conversas mantidas por ${days} dias após a última mensagem.`,
  retentionNone: "Mantidas até serem apagadas à mão.",
  retentionHow:
    "A cada 10 minutos os workers apagam os dados das conversas cuja última mensagem passou do prazo. Uma conversa com um humano atendendo espera até ser devolvida ao bot ou encerrada.",
  retentionLabel: "Dias após a última mensagem",
  retentionHint: (min: number, max: number) => `De ${min} a ${max} dias.`,
  retentionSave: "Salvar prazo",
  retentionClear: "Manter até apagar à mão",
  retentionSaved: (days: string) => `As conversas agora ficam guardadas por ${days} dias.`,
  retentionCleared: "As conversas agora ficam guardadas até serem apagadas à mão.",
  retentionUnchanged: "O prazo já era este.",
  retentionConfirmTitle: (days: string) => `Apagar as conversas paradas há mais de ${days} dias?`,
  retentionConfirmBody: (days: string) =>
    `Na próxima varredura (em até 10 minutos), os dados das conversas cuja última mensagem tem mais de ${days} dias são apagados, sem volta.`,
  request: "Pedido do titular",
  requestHint:
    "Exporte ou apague tudo o que a empresa guarda sobre um cliente, pelo número de WhatsApp (em qualquer formato) ou pelo ID de usuário da Meta.",
  customer: "Número ou ID do cliente",
  customerPlaceholder: "+55 11 91234-5678",
};

export const customersEn: typeof customersPtBR = {
  menu: "Customer data (LGPD)",
  menuHint:
    "Data subject requests: a copy of everything the tenant keeps about this customer, or its erasure for good.",
  export: "Export data",
  exported: (file) => `Data exported: ${file}`,
  erase: "Erase the customer's data",
  eraseShort: "Erase data",
  eraseTitle: (who) => `Erase the data of ${who}?`,
  eraseIrreversible: "This cannot be undone.",
  eraseScope: "Erases every conversation of this customer with this tenant, on every number:",
  eraseItems: [
    "the message texts, the customer's name and number;",
    "the conversation summaries and the handoff reasons;",
    "the details of bookings and deals (future bookings are cancelled).",
  ],
  eraseKept: "The figures (counts, timings, tokens, versions) stay: metrics do not change.",
  eraseTestCases:
    "Test cases copied from a conversation of this customer (the agent's Tests tab) are deleted too: letting versions go live asks for a new test run.",
  confirmLabel: (word) => `Type ${word} to confirm`,
  eraseSubmit: "Erase for good",
  erasedTitle: "Customer data erased",
  erasedToast: "Customer data erased.",
  result: {
    conversations: "Conversations erased",
    messages: "Messages erased",
    appointmentsCancelled: "Bookings cancelled",
    sendsCancelled: "Pending replies and sends cancelled",
    testCasesDeleted: "Test cases deleted",
  },
  testCasesDeletedNote: (agents) =>
    `Copied from this customer's conversations (agent ${agents}). Run the tests again before letting a version go live.`,
  externalTitle: "Erase it in the client's systems too",
  externalBody:
    "These records were sent to the tenant's own systems and are still there. Erase them by hand in each system:",
  externalKinds: { appointment: "Booking", deal: "Deal" },
  noExternalId: "no external ID",
  busy: "A reply to this customer is being written or sent right now. Try again in a few seconds.",
  notFound: "No conversation with this customer (or their data was already erased).",
  alreadyErased: "This customer's data was already erased.",
  notACustomer: "Enter a WhatsApp number or a Meta user ID.",
  cardTitle: "Customer data (LGPD)",
  cardSubtitle: "How long conversations are kept, and customers' access and erasure requests.",
  retention: "Retention",
  retentionDays: (days) => `Conversations kept for ${days} days after their last message.`,
  retentionNone: "Kept until erased by hand.",
  retentionHow:
    "Every 10 minutes the workers erase the data of conversations whose last message is past the window. A conversation a human is handling waits until it is handed back to the bot or closed.",
  retentionLabel: "Days after the last message",
  retentionHint: (min, max) => `${min} to ${max} days.`,
  retentionSave: "Save window",
  retentionClear: "Keep until erased by hand",
  retentionSaved: (days) => `Conversations are now kept for ${days} days.`,
  retentionCleared: "Conversations are now kept until erased by hand.",
  retentionUnchanged: "The window was already this.",
  retentionConfirmTitle: (days) => `Erase conversations idle for more than ${days} days?`,
  retentionConfirmBody: (days) =>
    `On the next sweep (within 10 minutes), the data of conversations whose last message is more than ${days} days old is erased, for good.`,
  request: "Data subject request",
  requestHint:
    "Export or erase everything the tenant keeps about a customer, by WhatsApp number (any notation) or Meta user ID.",
  customer: "Customer number or ID",
  customerPlaceholder: "+55 11 91234-5678",
};

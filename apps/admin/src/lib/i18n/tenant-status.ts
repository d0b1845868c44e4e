/**
 * A tenant's bot status' words (active, paused, archived): the tenant page's control and banner, and
 * the inbox's banner (pt-BR is the shape; `en` must match it key for key).
 */
export const tenantStatusPtBR = {
  cardTitle: "Resposta automática",
  state: {
    active: "O bot responde aos clientes nos números da Meta desta empresa.",
    paused:
      "Ninguém recebe resposta automática nem lembretes. As mensagens continuam chegando à caixa de entrada.",
    archived:
      "Cliente que saiu: o bot não responde a ninguém. As mensagens continuam chegando à caixa de entrada.",
  } as Record<string, string | undefined>,
  pause: "Pausar o bot",
  resume: "Retomar o bot",
  resumeShort: "Retomar",
  archive: "Arquivar",
  pauseTitle: (name: string) => `Pausar o bot de ${name}?`,
  pauseWhen:
    "Para quando o cliente está com o pagamento atrasado, sai de férias ou quer responder à mão. Enquanto o bot estiver pausado:",
  archiveTitle: (name: string) => `Arquivar ${name}?`,
  archiveWhen: "Para um cliente que saiu. Com a empresa arquivada, como numa pausa:",
  effects: [
    "o bot não responde a ninguém nos números da Meta desta empresa: nenhuma resposta automática, nenhuma confirmação de leitura e nenhum lembrete de agendamento;",
    "as mensagens dos clientes continuam chegando e aparecem na caixa de entrada: a equipe pode assumir as conversas e responder normalmente;",
    "os números de teste (o chat de teste do console) continuam respondendo.",
  ],
  resumeLater:
    "Ao retomar, o bot volta a responder a partir da próxima mensagem. As mensagens que chegarem durante a pausa não são respondidas depois.",
  archiveData:
    "Arquivar não apaga nada, e a empresa continua na lista. Para apagar também os dados dos clientes, defina um prazo de retenção curto no cartão “Dados dos clientes (LGPD)”, mais abaixo nesta página.",
  resumeTitle: (name: string) => `Retomar o bot de ${name}?`,
  resumeBody:
    "O bot volta a responder aos clientes nos números da Meta, e os lembretes de agendamento voltam a sair, a partir da próxima mensagem. As mensagens que chegaram enquanto ele estava pausado não são respondidas.",
  audited: "A troca fica na auditoria (tenant.status_changed).",
  paused: (name: string) => `Bot de ${name} pausado. As mensagens continuam chegando à caixa de entrada.`,
  archived: (name: string) => `${name} arquivada. O bot não responde mais a ninguém.`,
  resumed: (name: string) => `Bot de ${name} retomado: ele responde a partir da próxima mensagem.`,
  unchanged: "O status já era este.",
  banner: {
    paused:
      "O bot está pausado: as mensagens chegam à caixa de entrada, mas ninguém recebe resposta automática nem lembretes.",
    archived:
      "A empresa está arquivada e o bot, pausado: as mensagens chegam à caixa de entrada, mas ninguém recebe resposta automática nem lembretes.",
  } as Record<string, string | undefined>,
  inboxBanner: {
    paused:
      "O bot desta empresa está pausado: ninguém recebe resposta automática. As mensagens precisam de uma resposta humana (assuma a conversa para responder).",
    archived:
      "Esta empresa está arquivada e o bot não responde: as mensagens precisam de uma resposta humana (assuma a conversa para responder).",
  } as Record<string, string | undefined>,
  openTenant: "Abrir a página da empresa",
};

export const tenantStatusEn: typeof tenantStatusPtBR = {
  cardTitle: "Automatic replies",
  state: {
    active: "The bot answers customers on this tenant's Meta numbers.",
    paused: "Nobody gets automatic replies or reminders. Messages keep arriving in the inbox.",
    archived: "A client who left: the bot answers nobody. Messages keep arriving in the inbox.",
  },
  pause: "Pause the bot",
  resume: "Resume the bot",
  resumeShort: "Resume",
  archive: "Archive",
  pauseTitle: (name) => `Pause the bot of ${name}?`,
  pauseWhen:
    "For when the client is behind on payment, on holiday, or wants to answer by hand. While the bot is paused:",
  archiveTitle: (name) => `Archive ${name}?`,
  archiveWhen: "For a client who left. With the tenant archived, as in a pause:",
  effects: [
    "the bot answers nobody on this tenant's Meta numbers: no automatic reply, no read receipt and no appointment reminder;",
    "customers' messages keep arriving and show up in the inbox: the team can take conversations over and reply as usual;",
    "the test numbers (the console's test chat) keep answering.",
  ],
  resumeLater:
    "Once resumed, the bot answers from the next message on. Messages that arrive during the pause are not answered later.",
  archiveData:
    "Archiving erases nothing, and the tenant stays in the list. To remove the customers' data too, set a short retention window in the “Customer data (LGPD)” card further down this page.",
  resumeTitle: (name) => `Resume the bot of ${name}?`,
  resumeBody:
    "The bot answers customers on the Meta numbers again, and appointment reminders go out again, from the next message on. Messages that arrived while it was paused are not answered.",
  audited: "The change is audited (tenant.status_changed).",
  paused: (name) => `Bot of ${name} paused. Messages keep arriving in the inbox.`,
  archived: (name) => `${name} archived. The bot no longer answers anybody.`,
  resumed: (name) => `Bot of ${name} resumed: it answers from the next message on.`,
  unchanged: "The status was already this.",
  banner: {
    paused:
      "The bot is paused: messages arrive in the inbox, but nobody gets automatic replies or reminders.",
    archived:
      "The tenant is archived and its bot paused: messages arrive in the inbox, but nobody gets automatic replies or reminders.",
  },
  inboxBanner: {
    paused:
      "This tenant's bot is paused: nobody gets automatic replies. Messages need a human reply (take the conversation over to reply).",
    archived:
      "This tenant is archived and its bot does not answer: messages need a human reply (take the conversation over to reply).",
  },
  openTenant: "Open the tenant page",
};

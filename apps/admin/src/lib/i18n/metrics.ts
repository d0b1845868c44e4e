/** The metrics view's words (pt-BR is the shape; `en` must match it key for key). */

/** Counts in a sentence, grouped like the KPIs' ("6.387" / "6,387"). */
const ptNumber = new Intl.NumberFormat("pt-BR");
const enNumber = new Intl.NumberFormat("en-US");

export const metricsPtBR = {
  title: "Métricas",
  subtitle: (tenant: string) => `Desempenho dos agentes de ${tenant}. Somente leitura.`,
  range: "Período",
  lastDays: (n: number) => `Últimos ${n} dias`,
  timezone: (zone: string, offset: string) => `Dias no fuso horário da empresa: ${zone} (${offset}).`,
  traffic: {
    label: "O que contar",
    customers: "Clientes",
    all: "Clientes e testes",
    excluded: (n: number) =>
      n === 1
        ? "1 conversa de teste (no número sandbox: chat de teste, teste de transferência) não está contada."
        : `${ptNumber.format(n)} conversas de teste (no número sandbox: chat de teste, teste de transferência) não estão contadas.`,
    sandboxOnly: "A empresa ainda não tem número da Meta: estes números são das conversas de teste no número sandbox.",
    allIncluded: "Inclui as conversas de teste do número sandbox (chat de teste, teste de transferência).",
  },
  readOnly: "Somente leitura",
  empty: "Nenhuma conversa neste período.",
  emptyHint: "Os números aparecem assim que clientes conversarem com os agentes.",
  none: "—",
  kpi: {
    conversations: {
      label: "Conversas",
      help: "Conversas distintas com ao menos uma mensagem no período.",
    },
    messages: {
      label: "Mensagens recebidas / enviadas",
      help: "Recebidas: do cliente. Enviadas: do bot, de humanos e do sistema (notas internas não contam).",
    },
    botFrt: {
      label: "1ª resposta do bot (típica / 9 em 10)",
      help: "Da mensagem do cliente até a primeira resposta do bot. Típica: metade das respostas sai mais rápido que isso. 9 em 10: nove de cada dez saem até esse tempo. Não conta conversas com um humano.",
    },
    humanFrt: {
      label: "1ª resposta humana (típica / 9 em 10)",
      help: "Da transferência para a equipe até a primeira resposta de uma pessoa (típica / nove de cada dez).",
    },
    handoffs: {
      label: "Transferências (taxa)",
      help: "Transferências para humano iniciadas; taxa = transferências ÷ conversas.",
    },
    delivery: {
      label: "Entrega / leitura",
      help: "Das mensagens de texto que saíram da fila, a parte que chegou a entregue (ou lida), e a lida.",
    },
    templates: {
      label: "Templates enviados / com falha",
      help: "Envios de template aceitos pela Meta / que falharam, desistiram ou foram bloqueados.",
    },
    policy: {
      label: "Respostas ajustadas pelas regras",
      help: "Vezes em que as regras de conteúdo do assistente reescreveram ou seguraram uma resposta do bot, ou passaram a conversa para a equipe.",
    },
    tokens: {
      label: "Tokens (entrada / saída)",
      help: "Tokens registrados nas respostas do bot.",
    },
    cost: {
      label: "Custo estimado",
      help: "Estimativa do custo de uso da inteligência artificial, pelo preço de tabela (abaixo). Não é fatura.",
    },
  },
  charts: {
    conversations: "Conversas por dia",
    messages: "Mensagens por dia",
    in: "Recebidas",
    out: "Enviadas",
    frt: "1ª resposta do bot por dia",
    p50: "Típica",
    p90: "9 em 10",
    handoffs: "Transferências por dia",
    delivery: "Entrega e leitura por dia",
    delivered: "Entregues",
    read: "Lidas",
    cost: "Custo estimado por dia",
    noData: "Sem dados no período.",
    valueCount: (n: number) => (n === 1 ? "1 valor" : `${n} valores`),
  },
  versions: {
    title: "Por versão do agente",
    hint: "Por versão, “recebidas” são as mensagens de clientes que a versão respondeu, e “enviadas” as que ela escreveu. Tempos humanos não são de nenhuma versão.",
    version: "Versão",
    model: "Modelo",
    empty: "Nenhuma versão respondeu neste período.",
    columns: {
      conversations: "Conversas",
      messages: "Receb. / env.",
      frt: "1ª resp. típica / 9 em 10",
      handoffs: "Transf. (taxa)",
      delivery: "Entrega / leitura",
      policy: "Ajustes pelas regras",
      tokens: "Tokens ent. / saída",
      cost: "Custo est.",
    },
  },
  reasons: {
    title: "Motivos de transferência",
    trigger: "Gatilho",
    reason: "Motivo",
    count: "Qtd.",
    empty: "Nenhuma transferência no período.",
  },
  rules: {
    title: "Regras de conteúdo acionadas",
    rule: "Regra",
    action: "Ação",
    count: "Qtd.",
    empty: "Nenhuma regra acionada no período.",
  },
  prices: {
    title: "Preços usados na estimativa de custo",
    hint: "Preços de tabela em US$ por 1 milhão de tokens (padrão, sem desconto de lote ou de cache). Só nomes listados têm preço — um modelo fora da tabela aparece como “sem preço”, nunca com um valor estimado.",
    model: "Modelo",
    aliases: "Também",
    input: "Entrada / 1M",
    output: "Saída / 1M",
    source: "Fonte",
    checkedOn: (date: string) => `conferido em ${date}`,
    noPrice: "sem preço",
    unpriced: (n: string) => `${n} tokens de modelos fora da tabela não entram no custo.`,
    partial: (n: string) => `+ ${n} tokens sem preço`,
  },
};

export const metricsEn: typeof metricsPtBR = {
  title: "Metrics",
  subtitle: (tenant) => `How ${tenant}'s agents perform. Read-only.`,
  range: "Period",
  lastDays: (n) => `Last ${n} days`,
  timezone: (zone, offset) => `Days in the tenant's time zone: ${zone} (${offset}).`,
  traffic: {
    label: "What to count",
    customers: "Customers",
    all: "Customers and tests",
    excluded: (n) =>
      n === 1
        ? "1 test conversation (on the sandbox number: test chat, handoff test) is not counted."
        : `${enNumber.format(n)} test conversations (on the sandbox number: test chat, handoff test) are not counted.`,
    sandboxOnly: "The tenant has no Meta number yet: these figures come from the test conversations on the sandbox number.",
    allIncluded: "Includes the test conversations on the sandbox number (test chat, handoff test).",
  },
  readOnly: "Read-only",
  empty: "No conversations in this period.",
  emptyHint: "Numbers show up as soon as customers talk to the agents.",
  none: "—",
  kpi: {
    conversations: {
      label: "Conversations",
      help: "Distinct conversations with at least one message in the period.",
    },
    messages: {
      label: "Messages in / out",
      help: "In: from customers. Out: from the bot, humans and the system (internal notes do not count).",
    },
    botFrt: {
      label: "Bot first response (typical / 9 in 10)",
      help: "From the customer's message to the bot's first reply. Typical: half the replies are faster than this. 9 in 10: nine replies in ten come within this time. Conversations with a person are not counted.",
    },
    humanFrt: {
      label: "Human first response (typical / 9 in 10)",
      help: "From the handoff to the team to a person's first reply (typical / nine in ten).",
    },
    handoffs: {
      label: "Handoffs (rate)",
      help: "Handoffs to a human started; rate = handoffs ÷ conversations.",
    },
    delivery: {
      label: "Delivered / read",
      help: "Of the text messages that left the queue, the share that reached delivered (or read), and read.",
    },
    templates: {
      label: "Templates sent / failed",
      help: "Template sends Meta accepted / that failed, gave up or were blocked.",
    },
    policy: {
      label: "Replies adjusted by the rules",
      help: "Times the assistant's content rules rewrote or held back a bot reply, or passed the conversation to the team.",
    },
    tokens: { label: "Tokens (in / out)", help: "Tokens recorded on the bot's replies." },
    cost: {
      label: "Estimated cost",
      help: "An estimate of what the AI use costs, at list price (below). Not an invoice.",
    },
  },
  charts: {
    conversations: "Conversations per day",
    messages: "Messages per day",
    in: "In",
    out: "Out",
    frt: "Bot first response per day",
    p50: "Typical",
    p90: "9 in 10",
    handoffs: "Handoffs per day",
    delivery: "Delivery and read per day",
    delivered: "Delivered",
    read: "Read",
    cost: "Estimated cost per day",
    noData: "No data in this period.",
    valueCount: (n) => (n === 1 ? "1 value" : `${n} values`),
  },
  versions: {
    title: "Per agent version",
    hint: "Per version, “in” counts the customer messages the version answered and “out” what it wrote. Human times belong to no version.",
    version: "Version",
    model: "Model",
    empty: "No version answered in this period.",
    columns: {
      conversations: "Conversations",
      messages: "In / out",
      frt: "1st resp. typical / 9 in 10",
      handoffs: "Handoffs (rate)",
      delivery: "Delivered / read",
      policy: "Rule adjustments",
      tokens: "Tokens in / out",
      cost: "Est. cost",
    },
  },
  reasons: {
    title: "Handoff reasons",
    trigger: "Trigger",
    reason: "Reason",
    count: "Count",
    empty: "No handoffs in this period.",
  },
  rules: {
    title: "Content rules triggered",
    rule: "Rule",
    action: "Action",
    count: "Count",
    empty: "No rule triggered in this period.",
  },
  prices: {
    title: "Prices used for the cost estimate",
    hint: "List prices in US$ per 1 million tokens (standard tier, no batch or cache discount). Only listed names have a price — a model missing from the table shows “no price”, never a guessed amount.",
    model: "Model",
    aliases: "Also",
    input: "Input / 1M",
    output: "Output / 1M",
    source: "Source",
    checkedOn: (date) => `checked on ${date}`,
    noPrice: "no price",
    unpriced: (n) => `${n} tokens of models missing from the table are not in the cost.`,
    partial: (n) => `+ ${n} tokens without a price`,
  },
};

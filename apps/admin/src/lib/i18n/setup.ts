/** The "setup delivered" checklist's words (pt-BR is the shape; `en` must match it key for key). */
export const setupPtBR = {
  title: "Checklist de entrega",
  subtitle: "Cada item é verificado pelo próprio sistema, a partir do que ele registrou.",
  complete: "Setup entregue",
  completeSandbox: "Setup entregue (número só no sandbox)",
  progress: (done: number, total: number) => `${done} de ${total}`,
  statuses: { done: "Feito", sandbox: "Feito no sandbox (demo)", pending: "Pendente" } as Record<
    string,
    string | undefined
  >,
  items: {
    number_answered: {
      title: "Número oficial respondido pela API",
      help: "Uma mensagem de texto enviada pela API chegou a entregue ou lida num número oficial (Meta). No demo, o número sandbox também conta, sinalizado.",
    },
    version_active: {
      title: "Agente com versão 1.0.0 ou posterior ativa",
      help: "Algum agente da empresa tem uma versão publicada ≥ 1.0.0 ativa.",
    },
    handoff_test: {
      title: "Teste de transferência aprovado",
      help: "O teste guiado (aba Chat de teste do agente) percorreu palavra-chave → aguardando humano → mensagem entregue → assumir → resposta humana → devolver.",
    },
    client_login: {
      title: "Cliente entrou no console",
      help: "Um usuário cliente desta empresa fez login.",
    },
    client_metrics: {
      title: "Cliente viu as métricas",
      help: "Um usuário cliente desta empresa abriu a página de métricas.",
    },
  } as Record<string, { title: string; help: string } | undefined>,
  evidence: (what: string, when: string) => `${what} · ${when}`,
  open: "Abrir checklist",
  runHandoffTest: "Rodar o teste",
  clientAccessLink: "Gerenciar os acessos do cliente",
};

export const setupEn: typeof setupPtBR = {
  title: "Setup checklist",
  subtitle: "Each item is checked by the system itself, from what it recorded.",
  complete: "Setup delivered",
  completeSandbox: "Setup delivered (number on the sandbox only)",
  progress: (done, total) => `${done} of ${total}`,
  statuses: { done: "Done", sandbox: "Done on the sandbox (demo)", pending: "Pending" },
  items: {
    number_answered: {
      title: "Official number answered through the API",
      help: "A text message sent through the API reached delivered or read on an official (Meta) number. In the demo the sandbox number counts too, labelled.",
    },
    version_active: {
      title: "Agent with version 1.0.0 or later active",
      help: "Some agent of the tenant has a published version ≥ 1.0.0 active.",
    },
    handoff_test: {
      title: "Handoff test passed",
      help: "The guided test (the agent's Test chat tab) went keyword → waiting for a human → message delivered → take over → human reply → hand back.",
    },
    client_login: { title: "Client signed in", help: "A client user of this tenant signed in." },
    client_metrics: {
      title: "Client saw the metrics",
      help: "A client user of this tenant opened the metrics page.",
    },
  },
  evidence: (what, when) => `${what} · ${when}`,
  open: "Open the checklist",
  runHandoffTest: "Run the test",
  clientAccessLink: "Manage the client's access",
};

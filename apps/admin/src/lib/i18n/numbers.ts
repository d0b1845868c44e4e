/**
 * The tenant page's numbers card (pt-BR is the shape; `en` must match it key for key). The form's
 * field labels are the onboarding wizard's (`t.wizard`).
 */
export const numbersPtBR = {
  title: "Números do WhatsApp",
  subtitle:
    "Os números pelos quais os clientes da empresa falam com os agentes. O token fica cifrado e nunca é mostrado de volta.",
  empty: "Nenhum número",
  emptyHint: "Sem número, nenhum cliente chega aos agentes. Adicione o número oficial (Meta) ou um sandbox para testar.",
  number: "Número",
  agent: "Agente",
  waba: "WABA",
  state: "Situação",
  add: "Novo número",
  edit: "Editar",
  newTitle: "Novo número",
  newBody:
    "O phone_number_id e o token vêm do app da Meta (WhatsApp → Configuração da API). O WABA é opcional: a Meta o informa na primeira mensagem.",
  editTitle: (number: string) => `Editar ${number}`,
  editBody:
    "O phone_number_id é como a Meta conhece o número e não muda (digitado errado? remova o número e adicione de novo). Deixe o token em branco para manter o atual.",
  wabaId: "WABA id (Meta)",
  newToken: "Novo token de acesso",
  keepToken: "Em branco: mantém o token atual.",
  create: "Adicionar número",
  save: "Salvar",
  created: (number: string) => `Número ${number} adicionado.`,
  saved: (number: string) => `Número ${number} salvo.`,
  unchanged: "Nada mudou.",
  taken: (id: string) => `O phone_number_id ${id} já está em uso.`,
  paused: (reason: string) => `Envio pausado: ${reason}`,
  answered: (when: string) => `Respondeu pela API em ${when}`,
  notAnswered: "Ainda não respondeu",
  notRemovable: "Clientes já escreveram para este número: pause-o em vez de removê-lo.",
  removeTitle: (number: string) => `Remover ${number}?`,
  removeBody: (id: string) =>
    `Nenhum cliente escreveu para ele. O phone_number_id ${id} fica livre para ser adicionado de novo, nesta ou em outra empresa; até lá, mensagens para ele são ignoradas.`,
  removed: (number: string) => `Número ${number} removido.`,
};

export const numbersEn: typeof numbersPtBR = {
  title: "WhatsApp numbers",
  subtitle: "The numbers the tenant's customers reach its agents on. The token is stored encrypted and never shown back.",
  empty: "No numbers",
  emptyHint: "Without a number no customer reaches the agents. Add the official (Meta) number, or a sandbox one to test.",
  number: "Number",
  agent: "Agent",
  waba: "WABA",
  state: "State",
  add: "New number",
  edit: "Edit",
  newTitle: "New number",
  newBody:
    "The phone_number_id and the token come from the Meta app (WhatsApp → API Setup). The WABA is optional: Meta names it with the first message.",
  editTitle: (number) => `Edit ${number}`,
  editBody:
    "The phone_number_id is how Meta knows the number and does not change (mistyped? remove the number and add it again). Leave the token empty to keep the current one.",
  wabaId: "WABA id (Meta)",
  newToken: "New access token",
  keepToken: "Empty: keeps the current token.",
  create: "Add number",
  save: "Save",
  created: (number) => `Number ${number} added.`,
  saved: (number) => `Number ${number} saved.`,
  unchanged: "Nothing changed.",
  taken: (id) => `The phone_number_id ${id} is already in use.`,
  paused: (reason) => `Sending paused: ${reason}`,
  answered: (when) => `Answered through the API on ${when}`,
  notAnswered: "Not answered yet",
  notRemovable: "Customers have already written to this number: pause it instead of removing it.",
  removeTitle: (number) => `Remove ${number}?`,
  removeBody: (id) =>
    `No customer has written to it. The phone_number_id ${id} becomes free to be added again, to this tenant or another; until then, messages to it are ignored.`,
  removed: (number) => `Number ${number} removed.`,
};

/**
 * The API's refusals in the console's words: one text per reason code of @lx/shared/errors (sent in
 * `data.appError.reason`, with its parameters). The Portuguese is typed `ReasonTexts`, a record over
 * every code: a reason added in packages/shared without a text here fails the typecheck. The English
 * is the shared one (`REASON_USER_MESSAGES`), not a copy. `errorMessage`
 * (lib/errors.ts) reads these before the server's English `userMessage`.
 */
import { REASON_USER_MESSAGES, type ReasonTexts } from "@lx/shared/errors";

import { dateTimeOptions } from "./formats.ts";
import { validationMessage } from "./validation.ts";

const at = (iso: string, locale: string) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(locale, dateTimeOptions(false, locale));
};

export const reasonsPtBR: ReasonTexts = {
  "input.nul_character": () => "O texto tem um caractere inválido (NUL, U+0000). Remova-o e tente de novo.",
  "auth.reset_unavailable": () =>
    "Este servidor não envia e-mails. Peça à sua agência um link para definir uma nova senha.",
  "users.no_email": () => "Este servidor não envia e-mails: gere o link sem e-mail e envie-o você mesmo.",
  "password_link.invalid": () =>
    "Este link é inválido, expirou ou já foi usado. Peça à sua agência um novo link para definir a senha.",
  "sandbox.off": () => "O sandbox da Meta está desligado neste servidor (LX_SANDBOX).",
  "sandbox.no_number": () =>
    "Nenhum número sandbox chega a este agente. O chat de teste só escreve em números do tipo sandbox.",
  "operations.job_not_dead": () => "Só jobs mortos podem ser tentados de novo: este já não está morto.",
  "operations.send_not_retryable": () =>
    "Só envios mortos, bloqueados ou com falha podem ser reenviados: este já não está assim.",
  "version.unchanged": () => "Nada mudou desde a última versão.",
  "version.not_found": ({ version }) => `A versão ${version} não existe.`,
  "rollback.nothing_live": () => "Não há o que reverter: nenhuma versão deste agente está ativa.",
  "rollback.nothing_before": ({ version }) =>
    `Não há versão para restaurar: nenhuma versão estava no ar antes da v${version}.`,
  "rollback.live_changed": ({ live, restore }) =>
    `Nada foi revertido: a versão ativa mudou enquanto esta página estava aberta. Agora a v${live} está no ar, e reverter restauraria a v${restore}. Confira a lista e tente de novo.`,
  "approval.rejected": ({ version, note }) =>
    `${note ? `O cliente rejeitou a v${version}: “${note}”` : `O cliente rejeitou a v${version}.`} Peça ao cliente que aprove, ou ative mesmo assim.`,
  "approval.pending": ({ version }) =>
    `O cliente ainda não aprovou a v${version}. Peça ao cliente que aprove, ou ative mesmo assim.`,
  "approval.client_only": () =>
    "Só o cliente aprova ou rejeita versões. Para pôr uma versão no ar sem a aprovação do cliente, ative-a mesmo assim (a liberação forçada fica na auditoria).",
  "regression.failed": ({ version }) =>
    `A última execução dos casos de teste na v${version} falhou. Rode os testes, ou ative mesmo assim.`,
  "regression.not_run": ({ version }) =>
    `Os casos de teste atuais ainda não rodaram na v${version}. Rode os testes, ou ative mesmo assim.`,
  "test_cases.limit": ({ max }) => `Um agente pode ter no máximo ${max} casos de teste.`,
  "test_cases.name_taken": ({ name }) => `Já existe um caso de teste chamado “${name}”.`,
  "test_cases.source_erased": () =>
    "Os dados do cliente desta conversa foram apagados: as mensagens dela não podem virar um caso de teste.",
  "test_runs.no_cases": () => "Este agente ainda não tem casos de teste: adicione um primeiro.",
  "draft.discarded": () =>
    "O rascunho foi descartado por outra pessoa depois que você o abriu: recarregue-o antes de salvar.",
  "draft.stale": ({ source, by, at: when }) => {
    const who =
      source === "apply"
        ? "o lx apply"
        : `${by ?? "outra pessoa"}${source === "wizard" ? " (assistente de cadastro)" : ""}`;
    return `Um rascunho mais novo foi salvo por ${who} em ${at(when, "pt-BR")}: carregue-o antes de salvar.`;
  },
  "draft.none": () => "Este agente não tem rascunho: edite a spec primeiro.",
  "draft.invalid": () => "O rascunho tem erros: corrija-os no editor da spec primeiro.",
  "onboarding.invalid": ({ errors }) =>
    `Corrija a ficha: ${errors.map((e) => `${e.path}: ${validationMessage(e, "pt-BR")}`).join("; ")}`,
  "onboarding.slug_taken": ({ slug }) =>
    `O identificador “${slug}” já está em uso por outra empresa: escolha outro.`,
  "onboarding.number_taken": ({ phoneNumberId, index }) =>
    phoneNumberId === undefined
      ? "Um phone_number_id desta ficha já está cadastrado."
      : `O phone_number_id ${phoneNumberId}${index === undefined ? "" : ` (número ${index + 1})`} já está cadastrado.`,
  "onboarding.raced": () =>
    "Algo desta ficha foi criado agora há pouco por outra pessoa: recarregue e confira antes de criar de novo.",
};

/**
 * English: the API's own sentences (`REASON_USER_MESSAGES`, which `lx` and API clients read), with
 * the console's date format and validation wording where a reason carries those.
 */
export const reasonsEn: ReasonTexts = {
  ...REASON_USER_MESSAGES,
  "draft.stale": (reason) => REASON_USER_MESSAGES["draft.stale"]({ ...reason, at: at(reason.at, "en") }),
  "onboarding.invalid": (reason) =>
    REASON_USER_MESSAGES["onboarding.invalid"]({
      ...reason,
      errors: reason.errors.map((e) => ({ ...e, message: validationMessage(e, "en") })),
    }),
};

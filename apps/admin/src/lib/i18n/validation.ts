/**
 * Validation messages in Portuguese. The schemas (packages/shared) speak English, as the API and the
 * CLI (`lx apply`) do; the console checks forms with those same schemas and shows their messages in
 * the operator's language. Our own issues that carry `params` (packages/shared `IssueParams`) are
 * worded from them; otherwise each rule rewrites one English message (zod's own, or one of ours); a
 * message no rule knows is shown as it is, so a new schema message is never lost, only untranslated.
 */
import { CRM_API_HOSTS, isIssueParams, type IssueParams } from "@lx/shared/schemas";

import type { Locale } from "./messages.ts";

/**
 * What a field error carries: the schema's English message, and for one of our own issues its
 * `params` (`FieldError.params`), from which it is worded here instead of from the English.
 */
export type ValidationText = string | { readonly message: string; readonly params?: unknown };

type Rule = readonly [RegExp, (...groups: string[]) => string];

const TYPES: Record<string, string> = {
  string: "texto",
  number: "número",
  int: "número inteiro",
  boolean: "verdadeiro ou falso",
  object: "objeto",
  array: "lista",
  null: "nulo",
  undefined: "nada",
  date: "data",
};
const typeName = (name: string) => TYPES[name] ?? name;
const TEMPLATE_STATUS_PT: Record<string, string> = {
  pending: "em análise",
  rejected: "rejeitado",
  paused: "pausado",
  disabled: "desativado",
};
const items = (n: string) => (n === "1" ? "1 item" : `${n} itens`);
const chars = (n: string) => (n === "1" ? "1 caractere" : `${n} caracteres`);

/**
 * One wording for a required field left empty, whatever the schema says ("required" for a missing
 * key, "must not be empty" for blank text, zod's "Too small … >=1 characters"): the console's fields
 * and the login page (`t.common.required`) all say this.
 */
export const REQUIRED_WORDING = { "pt-BR": "obrigatório", en: "required" } as const;
const EMPTY = /^(?:required|must not be empty|Too small: expected string to have >=?1 characters?)$/;

const RULES: readonly Rule[] = [
  // zod's own messages (en locale), with or without the "Invalid input: " prefix the API strips.
  [EMPTY, () => REQUIRED_WORDING["pt-BR"]],
  [/^unknown key$/, () => "campo desconhecido"],
  [/^Unrecognized keys?: (.+)$/, (keys) => `campo desconhecido: ${keys}`],
  [/^expected (\w+), received (\w+)$/, (a, b) => `esperado ${typeName(a)}, recebido ${typeName(b)}`],
  [/^expected one of (.+)$/, (values) => `esperado um destes: ${values.split("|").join(", ")}`],
  [/^expected ("[^"]*") or ("[^"]*")$/, (a, b) => `esperado ${a} ou ${b}`],
  [/^expected (".*"|\d+|true|false|null)$/, (value) => `esperado ${value}`],
  [/^Too small: expected string to have >=(\d+) characters$/, (n) => `ao menos ${chars(n)}`],
  [/^Too big: expected string to have <=(\d+) characters$/, (n) => `no máximo ${chars(n)}`],
  [/^Too small: expected (?:array|set) to have >=(\d+) items?$/, (n) => `ao menos ${items(n)}`],
  [/^Too big: expected (?:array|set) to have <=(\d+) items?$/, (n) => `no máximo ${items(n)}`],
  [/^Too small: expected number to be >=(\S+)$/, (n) => `deve ser no mínimo ${n}`],
  [/^Too small: expected number to be >(\S+)$/, (n) => `deve ser maior que ${n}`],
  [/^Too big: expected number to be <=(\S+)$/, (n) => `deve ser no máximo ${n}`],
  [/^Too big: expected number to be <(\S+)$/, (n) => `deve ser menor que ${n}`],
  [/^must be a multiple of (\S+)$/, (n) => `deve ser múltiplo de ${n}`],
  [/^must match pattern .*$/, () => "formato inválido"],
  [/^Invalid URL$/, () => "URL inválida"],
  [/^Invalid email address$/, () => "e-mail inválido"],
  [/^Invalid ISO (?:datetime|date|time)$/, () => "data ou hora inválida"],
  [/^Invalid UUID$/, () => "identificador (UUID) inválido"],
  [/^Invalid (?:input|value|key)\b.*$/, () => "valor inválido"],
  // Ours (packages/shared/src/schemas).
  [/^must say what changed: the client reads it before approving the version$/, () => "diga o que mudou: o cliente lê isto antes de aprovar a versão"],
  [/^must be at most (\d+) characters$/, (n) => `no máximo ${chars(n)}`],
  [/^must be at most (\d+) \(WhatsApp's text limit\)$/, (n) => `no máximo ${n} (o limite de texto do WhatsApp)`],
  [/^must be at most (\d+) characters of JSON$/, (n) => `no máximo ${n} caracteres de JSON`],
  [/^at most (\d+) items$/, (n) => `no máximo ${items(n)}`],
  [/^at most (\d+) options$/, (n) => `no máximo ${n} opções`],
  [/^at most (\d+) agents$/, (n) => `no máximo ${n} agentes`],
  [/^at least one goal$/, () => "ao menos um objetivo"],
  [/^at least one offset$/, () => "ao menos uma antecedência"],
  [/^at least one option$/, () => "ao menos uma opção"],
  [/^at least one agent$/, () => "ao menos um agente"],
  [/^offsets must be unique$/, () => "as antecedências não podem se repetir"],
  [/^must be an http\(s\) URL$/, () => "deve ser uma URL http(s)"],
  [
    /^must not hold a user name or password \(user:password@\): the spec is not a place for credentials$/,
    () => "não pode conter usuário nem senha (usuário:senha@): a especificação não é lugar de credenciais",
  ],
  [/^must be HH:MM \((.+)\)$/, (range) => `deve ser HH:MM (${range})`],
  [/^must be after open$/, () => "deve ser depois da abertura"],
  [/^overlaps hours\.(\d+) on (\w+)$/, (n, day) => `sobrepõe hours.${n} em ${day}`],
  [/^must be a BCP 47 language tag like (".*")$/, (ex) => `deve ser um código de idioma BCP 47, como ${ex}`],
  [/^must be an IANA time zone like (".*")$/, (ex) => `deve ser um fuso horário IANA, como ${ex}`],
  [/^must be a domain like (".*")$/, (ex) => `deve ser um domínio, como ${ex}`],
  [/^must be a Meta template name \(a-z, 0-9, _\)$/, () => "deve ser um nome de template da Meta (a-z, 0-9, _)"],
  [/^must be a Meta language code like (".*")$/, (ex) => `deve ser um código de idioma da Meta, como ${ex}`],
  [/^required when backend is (".*")$/, (backend) => `obrigatório quando o backend é ${backend}`],
  [/^must be one of qualifyFields$/, () => "deve ser um dos qualifyFields"],
  [
    /^only for the "pipedrive" and "rdstation" backends \(n8n gets every field by name\)$/,
    () => 'só nos backends "pipedrive" e "rdstation" (o n8n recebe cada campo pelo nome)',
  ],
  [/^must be a lowercase slug \((.+)\)$/, (chars) => `deve ser um slug em minúsculas (${chars.replace("and single dashes", "e hífens simples")})`],
  [/^must be a version like (\S+)$/, (ex) => `deve ser uma versão como ${ex}`],
  [/^must be (\d+)–(\d+) digits \(country code and number\)$/, (a, b) => `deve ter de ${a} a ${b} dígitos (código do país e número)`],
  [/^must be digits \(Meta's phone_number_id\)$/, () => "deve ter só dígitos (o phone_number_id da Meta)"],
  [/^must be digits \(Meta's WhatsApp Business Account id\)$/, () => "deve ter só dígitos (o id da conta WhatsApp Business na Meta)"],
  [/^paste the (token|secret) itself, not an env: reference$/, (what) => `cole o próprio ${what === "secret" ? "segredo" : "token"}, não uma referência env:`],
  [/^must be at least (\d+) characters$/, (n) => `ao menos ${chars(n)}`],
  [
    /^env reference must be env:NAME with NAME a valid environment variable name$/,
    () => "uma referência de ambiente deve ser env:NOME, com NOME um nome válido de variável de ambiente",
  ],
  [/^from must not be after to$/, () => "o início não pode ser depois do fim"],
  [/^type (\S+) to confirm$/, (word) => `digite ${word} para confirmar`],
  [/^invalid link$/, () => "link inválido"],
  [
    /^name the customer by conversationId or by customer, not both$/,
    () => "indique o cliente pela conversa (conversationId) ou pelo número/ID (customer), não pelos dois",
  ],
  [/^unknown agent (".*") \(agents: (.*)\)$/, (agent, known) => `agente desconhecido ${agent} (agentes: ${known})`],
  [/^unknown agent (".*") \(no agents defined\)$/, (agent) => `agente desconhecido ${agent} (nenhum agente definido)`],
  [/^duplicate agent slug (".*") \(also (.+)\)$/, (slug, at) => `slug de agente repetido ${slug} (também em ${at})`],
  [/^duplicate phoneNumberId (".*") \(also (.+)\)$/, (id, at) => `phoneNumberId repetido ${id} (também em ${at})`],
  [/^duplicate option title (".*") \(also (.+)\)$/, (title, at) => `título de opção repetido ${title} (também em ${at})`],
  [/^duplicate template (".*") \((.+)\) \(also (.+)\)$/, (name, lang, at) => `template repetido ${name} (${lang}) (também em ${at})`],
  [/^parameters are numbered: \{\{1\}\}, \{\{2\}\}… \(found (.+)\)$/, (p) => `os parâmetros são numerados: {{1}}, {{2}}… (encontrado ${p})`],
  [
    /^parameters must be \{\{1\}\}, \{\{2\}\}… without gaps \(found (.+)\)$/,
    (p) => `os parâmetros devem ser {{1}}, {{2}}… sem lacunas (encontrados ${p})`,
  ],
  [
    /^a re-engagement template takes at most one parameter, \{\{1\}\}: the customer's first name$/,
    () => "um template de reengajamento aceita no máximo um parâmetro, {{1}}: o primeiro nome do cliente",
  ],
  [
    /^template (".*") \((.+?)\) is not among the templates(?: \((\w+): (.+)\))?$/,
    (name, lang, purpose, known) =>
      `o template ${name} (${lang}) não está entre os templates${purpose ? ` (${purpose}: ${known})` : ""}`,
  ],
  [/^template (".*") \((.+?)\) is a (\w+) template, not (\w+)$/, (name, lang, is, not) => `o template ${name} (${lang}) é de ${is}, não de ${not}`],
  [
    /^no re-engagement template: replies outside the 24-hour window will be blocked$/,
    () => "sem template de reengajamento: as respostas fora da janela de 24 horas serão bloqueadas",
  ],
  // The compiler's warnings (packages/shared/src/compiler/compile.ts: part of the bundle, in English).
  [
    /^policies\.maxReplyChars (\d+) was clamped to (\d+) \(WhatsApp allows 1 to (\d+) characters\)\.$/,
    (from, to, max) => `policies.maxReplyChars ${from} foi limitado a ${to} (o WhatsApp aceita de 1 a ${max} caracteres).`,
  ],
  [/^Knowledge document (".*") is empty and was left out\.$/, (title) => `O documento de conhecimento ${title} está vazio e ficou de fora.`],
  [
    /^Knowledge document (".*") has (\d+) characters \(over (\d+)\); summarise or split it to keep the prompt small\.$/,
    (title, n, max) => `O documento de conhecimento ${title} tem ${n} caracteres (acima de ${max}); resuma ou divida para manter o prompt pequeno.`,
  ],
  [
    /^The system prompt is about (\d+) tokens, over the budget of (\d+); shorten knowledge, FAQ or services\.$/,
    (n, max) => `O prompt do sistema tem cerca de ${n} tokens, acima do orçamento de ${max}; encurte o conhecimento, o FAQ ou os serviços.`,
  ],
  [
    /^The calendar plugin is on but business\.hours is empty: .*$/,
    () =>
      "O plugin de agenda está ligado, mas business.hours está vazio: a agenda local não tem horário de funcionamento e o agente não sabe dizer quando vocês atendem.",
  ],
  [
    /^The reminders plugin is on without the calendar plugin: there are no appointments to remind\.$/,
    () => "O plugin de lembretes está ligado sem o plugin de agenda: não há agendamentos para lembrar.",
  ],
  [
    /^The reminders plugin is on but templates\.reminder is missing: reminders cannot be sent\.$/,
    () => "O plugin de lembretes está ligado, mas falta templates.reminder: os lembretes não podem ser enviados.",
  ],
  [
    /^No templates\.reengagement: replies outside the 24-hour window will be blocked\.$/,
    () => "Sem templates.reengagement: as respostas fora da janela de 24 horas serão bloqueadas.",
  ],
  [
    /^handoff\.allowModelRequest is false and handoff\.keywords is empty: customers have no way to reach a person\.$/,
    () => "handoff.allowModelRequest é false e handoff.keywords está vazio: os clientes não têm como chegar a uma pessoa.",
  ],
  [
    /^The CRM plugin has no qualifyFields: create_deal will carry no qualification data\.$/,
    () => "O plugin de CRM não tem qualifyFields: o create_deal não levará dados de qualificação.",
  ],
  [
    /^context\.summarizeAfter \((\d+)\) is below context\.recentMessages \((\d+)\)\.$/,
    (after, recent) => `context.summarizeAfter (${after}) é menor que context.recentMessages (${recent}).`,
  ],
  [/^(handoff\.message|policies\.fallbackMessage) is longer than policies\.maxReplyChars \((\d+)\)\.$/, (field, max) => `${field} é maior que policies.maxReplyChars (${max}).`],
  [
    /^model\.maxOutputTokens \((\d+)\) may cut replies shorter than policies\.maxReplyChars \((\d+)\)\.$/,
    (tokens, max) => `model.maxOutputTokens (${tokens}) pode cortar respostas antes de policies.maxReplyChars (${max}).`,
  ],
  // The console's compile adds what it knows of the tenant's templates (apps/api versions.compile).
  [
    /^templates\.(\w+) names (.+), which the tenant has not declared: those sends will be blocked\.$/,
    (purpose, ref) => `templates.${purpose} usa ${ref}, que a empresa não declarou: esses envios serão bloqueados.`,
  ],
  [
    /^templates\.(\w+) names (.+), which is (\w+) at Meta: those sends are blocked until Meta approves it\.$/,
    (purpose, ref, status) =>
      `templates.${purpose} usa ${ref}, que está ${TEMPLATE_STATUS_PT[status] ?? status} na Meta: esses envios ficam bloqueados até a Meta aprovar.`,
  ],
];

/** zod's prefixes, kept by the console's own checks (the shared parser strips the first two). */
const PREFIX = /^(?:Invalid input|Invalid option|Invalid string|Invalid number): (?=.)/;

/** Our own issues in Portuguese, from their params (packages/shared `IssueParams`). */
const ISSUES_PT: { [K in IssueParams["issue"]]: (params: Extract<IssueParams, { issue: K }>) => string } = {
  "crm.base_url_host": ({ backend }) => {
    const { crm, hosts } = CRM_API_HOSTS[backend];
    const named = hosts.map((host) => host.replace("<company>", "<empresa>")).join(" ou ");
    return `deve ser uma URL https da API do ${crm} (${named}): o token do CRM é enviado para lá`;
  },
};

function issuePt(params: IssueParams): string {
  // Keyed by `issue`, so the entry takes these very params; TypeScript cannot correlate the two.
  return (ISSUES_PT[params.issue] as (p: IssueParams) => string)(params);
}

/** One validation message in Portuguese: ours from their params, zod's and the rest by rule (unknown ones unchanged). */
export function validationMessagePt(text: ValidationText): string {
  if (typeof text !== "string" && isIssueParams(text.params)) {
    return issuePt(text.params);
  }
  const message = typeof text === "string" ? text : text.message;
  const whole = message.trim();
  for (const candidate of [whole.replace(PREFIX, ""), whole]) {
    for (const [pattern, render] of RULES) {
      const match = pattern.exec(candidate);
      if (match) {
        return render(...match.slice(1).map((group) => group ?? ""));
      }
    }
  }
  return message;
}

/** A validation message in the console's language. */
export function validationMessage(text: ValidationText, locale: Locale): string {
  if (locale === "pt-BR") {
    return validationMessagePt(text);
  }
  const message = typeof text === "string" ? text : text.message;
  return EMPTY.test(message.trim().replace(PREFIX, "")) ? REQUIRED_WORDING.en : message;
}

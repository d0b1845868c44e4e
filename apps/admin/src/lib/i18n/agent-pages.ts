/**
 * Words of an agent's pages added after the UX audit: leaving the spec editor with unsaved work, who
 * saved a draft, JSON syntax errors, rollback, the version review the client opens, the composers'
 * send key (pt-BR is the shape; `en` must match it key for key).
 */
export const agentPagesPtBR = {
  leave: {
    title: "Sair sem salvar?",
    invalidJson: "O JSON tem um erro e não foi salvo. Se você sair agora, esta edição se perde.",
    saveFailed:
      "A última alteração não foi salva (o servidor recusou ou não respondeu). Se você sair agora, ela se perde.",
    stay: "Continuar editando",
    leave: "Sair e descartar",
  },
  draftBy: {
    apply: "Rascunho gravado pelo lx apply",
    wizard: "Rascunho criado no assistente de onboarding",
    wizardBy: (who: string) => `Rascunho criado no assistente de onboarding por ${who}`,
    system: "Rascunho gravado pelo sistema",
  },
  conflict: {
    status: "Não salvo: há um rascunho mais novo",
    title: "Outra pessoa salvou este rascunho depois que você o abriu",
    savedBy: (who: string, when: string) => `${who} salvou uma versão mais nova às ${when}.`,
    savedByApply: (when: string) => `O lx apply gravou uma versão mais nova às ${when}.`,
    savedByWizard: (who: string, when: string) => `${who} gravou uma versão mais nova pelo assistente de onboarding às ${when}.`,
    discarded: "O rascunho foi descartado por outra pessoa.",
    body: "Sua alteração não foi salva, para não apagar a dela. Carregue o rascunho mais novo e refaça sua alteração (seu texto fica abaixo para copiar), ou salve o seu por cima.",
    loadNewer: "Carregar o rascunho mais novo",
    overwrite: "Salvar o meu por cima",
    mine: "Seu texto (não salvo)",
    loadedTitle: "Rascunho mais novo carregado",
    loadedBody: "Seu texto anterior, que não foi salvo, está abaixo para copiar.",
    dismiss: "Fechar",
  },
  json: {
    at: (line: number, column: number) => `JSON inválido na linha ${line}, coluna ${column}.`,
    unknownPlace: "JSON inválido.",
    engine: "Detalhe do navegador",
  },
  rollback: {
    none: "Sem versão anterior para restaurar",
    noneHint: (v: string) => `Nenhuma versão estava no ar antes da v${v}: não há para onde reverter.`,
    noneActive: "Nenhuma versão está ativa.",
    button: (v: string) => `Reverter para v${v}`,
    body: (to: string, from: string) =>
      `v${to} volta a responder às próximas mensagens no lugar da v${from}. A troca fica na auditoria.`,
  },
  review: {
    open: (v: string) => `Ver o que muda na v${v}`,
    openShort: "Ver mudanças",
    title: (v: string) => `O que muda na v${v}`,
    againstPrevious: (v: string) => `Comparada com a v${v}, a versão que estava no ar antes dela.`,
    againstLive: (v: string) =>
      `Comparada com a v${v}, a versão no ar agora: é o que muda se ela entrar no ar.`,
    againstNothing: "Primeira versão no ar deste agente: tudo é novo.",
    changelog: "Nota da agência",
    noChangelog: "A agência não escreveu nota para esta versão.",
    promptChanges: "Instruções do agente (prompt)",
    configChanges: "Configuração",
    nothingChanged: "O comportamento não muda: prompt e configuração iguais.",
    tests: "Testes automáticos",
    testsPassed: "Todos os casos de teste passaram nesta versão.",
    testsFailed: "Algum caso de teste falhou nesta versão. Veja qual e por quê abaixo.",
    testsNotRun: "Os casos de teste atuais ainda não rodaram nesta versão.",
    testsNone: "Este agente não tem casos de teste.",
    runAt: (when: string) => `Rodados em ${when}`,
    showRun: "Ver o resultado dos testes",
    hideRun: "Ocultar o resultado",
    close: "Fechar",
  },
  publish: {
    changelogHint: "Obrigatório: o cliente lê isto para aprovar a versão. Diga o que muda para quem conversa com o agente.",
  },
  composer: {
    sendHint: (key: string) => `${key} envia · Enter quebra a linha`,
  },
};

export const agentPagesEn: typeof agentPagesPtBR = {
  leave: {
    title: "Leave without saving?",
    invalidJson: "The JSON has an error and was not saved. If you leave now, this edit is lost.",
    saveFailed:
      "The last change was not saved (the server refused it or did not answer). If you leave now, it is lost.",
    stay: "Keep editing",
    leave: "Leave and discard",
  },
  draftBy: {
    apply: "Draft written by lx apply",
    wizard: "Draft created in the onboarding wizard",
    wizardBy: (who) => `Draft created in the onboarding wizard by ${who}`,
    system: "Draft written by the system",
  },
  conflict: {
    status: "Not saved: there is a newer draft",
    title: "Someone else saved this draft after you opened it",
    savedBy: (who, when) => `${who} saved a newer version at ${when}.`,
    savedByApply: (when) => `lx apply wrote a newer version at ${when}.`,
    savedByWizard: (who, when) => `${who} wrote a newer version through the onboarding wizard at ${when}.`,
    discarded: "The draft was discarded by someone else.",
    body: "Your change was not saved, so as not to erase theirs. Load the newer draft and redo your change (your text stays below to copy), or save yours over it.",
    loadNewer: "Load the newer draft",
    overwrite: "Save mine over it",
    mine: "Your text (not saved)",
    loadedTitle: "Newer draft loaded",
    loadedBody: "Your previous text, which was not saved, is below to copy.",
    dismiss: "Close",
  },
  json: {
    at: (line, column) => `Invalid JSON at line ${line}, column ${column}.`,
    unknownPlace: "Invalid JSON.",
    engine: "Browser's detail",
  },
  rollback: {
    none: "No earlier version to restore",
    noneHint: (v) => `No version was live before v${v}: there is nothing to go back to.`,
    noneActive: "No version is live.",
    button: (v) => `Roll back to v${v}`,
    body: (to, from) => `v${to} answers the next messages again instead of v${from}. The switch is audited.`,
  },
  review: {
    open: (v) => `See what changes in v${v}`,
    openShort: "See changes",
    title: (v) => `What changes in v${v}`,
    againstPrevious: (v) => `Compared with v${v}, the version live before it.`,
    againstLive: (v) => `Compared with v${v}, the version live now: what changes if it goes live.`,
    againstNothing: "This agent's first live version: everything is new.",
    changelog: "The agency's note",
    noChangelog: "The agency wrote no note for this version.",
    promptChanges: "The agent's instructions (prompt)",
    configChanges: "Configuration",
    nothingChanged: "The behaviour does not change: same prompt and configuration.",
    tests: "Automated tests",
    testsPassed: "Every test case passed on this version.",
    testsFailed: "A test case failed on this version. See which and why below.",
    testsNotRun: "The current test cases have not run on this version yet.",
    testsNone: "This agent has no test cases.",
    runAt: (when) => `Run on ${when}`,
    showRun: "See the test results",
    hideRun: "Hide the results",
    close: "Close",
  },
  publish: {
    changelogHint: "Required: the client reads it to approve the version. Say what changes for the people who talk to the agent.",
  },
  composer: {
    sendHint: (key) => `${key} sends · Enter adds a line`,
  },
};

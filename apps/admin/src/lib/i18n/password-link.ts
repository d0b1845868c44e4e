/** The public `/password` page's words: a one-time link sets the password (pt-BR is the shape; `en` must match it key for key). */
export const passwordLinkPtBR = {
  title: "Definir senha",
  titleFor: (email: string) => `Definir senha para ${email}`,
  hello: (name: string) => `Olá, ${name}.`,
  validUntil: (when: string) => `Este link vale até ${when} e pode ser usado uma vez só.`,
  newPassword: "Nova senha",
  newPasswordHint: (min: number) => `Ao menos ${min} caracteres.`,
  confirm: "Confirme a nova senha",
  mismatch: "As senhas não conferem.",
  show: "Mostrar senhas",
  submit: "Salvar senha e entrar",
  submitting: "Salvando…",
  saved: "Senha definida. Você já entrou no console.",
  invalidTitle: "Link inválido",
  invalidBody:
    "Este link é inválido, expirou ou já foi usado. Peça à sua agência um novo link para definir a senha.",
  missingTitle: "Link incompleto",
  missingBody:
    "Este endereço não tem um link de senha válido. Abra o link completo que a sua agência enviou, ou peça um novo.",
  toLogin: "Ir para o login",
  hasPassword: "Já tem uma senha?",
  signIn: "Entrar",
};

export const passwordLinkEn: typeof passwordLinkPtBR = {
  title: "Set your password",
  titleFor: (email) => `Set the password for ${email}`,
  hello: (name) => `Hello, ${name}.`,
  validUntil: (when) => `This link works until ${when}, once only.`,
  newPassword: "New password",
  newPasswordHint: (min) => `At least ${min} characters.`,
  confirm: "Confirm the new password",
  mismatch: "The passwords do not match.",
  show: "Show passwords",
  submit: "Save password and sign in",
  submitting: "Saving…",
  saved: "Password set. You are signed in to the console.",
  invalidTitle: "Invalid link",
  invalidBody:
    "This link is invalid, expired or already used. Ask your agency for a new link to set your password.",
  missingTitle: "Incomplete link",
  missingBody:
    "This address has no valid password link. Open the whole link your agency sent, or ask for a new one.",
  toLogin: "Go to sign-in",
  hasPassword: "Already have a password?",
  signIn: "Sign in",
};

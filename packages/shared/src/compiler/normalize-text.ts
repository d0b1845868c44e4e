/**
 * Text for matching: lowercase, accents stripped (NFD, combining marks removed), whitespace
 * collapsed to single spaces and trimmed. `"  Atendênte\tHUMANO "` → `"atendente humano"`.
 */
export function normalizeText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Token estimate without a tokenizer: the larger of chars/4 and words×4/3 (OpenAI's rules of
 * thumb), rounded up. Slightly pessimistic for English, close for Portuguese and Spanish.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) {
    return 0;
  }
  const words = text.match(/\S+/g)?.length ?? 0;
  return Math.ceil(Math.max(text.length / 4, (words * 4) / 3));
}

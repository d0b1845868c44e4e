import { normalizeText } from "../compiler/normalize-text.ts";

/** WhatsApp's hard limit for a text message body. */
export const WHATSAPP_TEXT_LIMIT = 4096;

/**
 * WhatsApp's customer service window: a business sends free-form messages only within 24 hours of
 * the customer's last message; past it, only an approved template.
 */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * A customer message older than this is stored and shown in the inbox, but not answered by the bot
 * (audited `message.too_old_to_answer`): an answer a day or more late is worse than none, and past
 * 24 hours the service window is closed anyway, so it could only be a paid template. Checked twice:
 * when the message arrives (apps/api webhook.ts: Meta redelivers for up to 7 days, and replays its
 * backlog after an outage) and when its reply job runs (apps/worker reply.ts: jobs queued while the
 * workers were down). The age counts from Meta's timestamp of the message.
 */
export const ANSWER_MAX_AGE_MS = SERVICE_WINDOW_MS;

/**
 * Send statuses that mean the message never reached the customer: blocked (24-hour rule, no
 * template), dead (dead-lettered), cancelled (stale after a handoff, or erased), failed (Meta's
 * failed status). The database's rule (packages/db queries/delivery.ts) and the console's list
 * refresh read this one list.
 */
export const UNDELIVERED_SEND_STATUSES = ["blocked", "dead", "cancelled", "failed"] as const;

/**
 * The outbox kinds the service window governs (outbox_messages.kind): outside it the sender sends
 * the agent's re-engagement template in their place, or blocks them; a 131047 from Meta re-routes
 * them the same way. Templates and read receipts go whatever the window.
 */
export const WINDOWED_OUTBOX_KINDS = ["text", "interactive", "media", "reaction"] as const;

function stripPunctuation(s: string): string {
  return s.replace(/[^\p{L}\p{N}\s]/gu, " ").replace(/\s+/g, " ").trim();
}

/**
 * The first handoff keyword the customer's text contains as whole words (case-, accent- and
 * punctuation-insensitive): "Quero falar com um ATENDENTE!" matches "atendente"; "atendentes" does not
 * match "atendente" — keywords are words, not substrings.
 */
export function matchHandoffKeyword(text: string, keywords: readonly string[]): string | null {
  const hay = ` ${stripPunctuation(normalizeText(text))} `;
  for (const kw of keywords) {
    const needle = stripPunctuation(normalizeText(kw));
    if (needle && hay.includes(` ${needle} `)) {
      return kw;
    }
  }
  return null;
}

/**
 * Splits a reply into ordered messages of at most `maxChars` (never past WhatsApp's 4,096), at
 * paragraph, then sentence, then word boundaries; a single word longer than the limit is cut.
 */
export function splitReply(text: string, maxChars: number): string[] {
  const limit = Math.max(1, Math.min(maxChars, WHATSAPP_TEXT_LIMIT));
  const clean = text.trim();
  if (clean.length <= limit) {
    return clean ? [clean] : [];
  }
  const pieces: string[] = [];
  // Sentences (keeping their punctuation) inside paragraphs.
  for (const para of clean.split(/\n{2,}/)) {
    const sentences = para.match(/[^.!?…]+(?:[.!?…]+|$)\s*/g) ?? [para];
    for (const s of sentences) {
      pieces.push(s);
    }
    pieces.push("\n\n");
  }
  pieces.pop();

  const out: string[] = [];
  let current = "";
  const flush = () => {
    const t = current.trim();
    if (t) {
      out.push(t);
    }
    current = "";
  };
  for (const piece of pieces) {
    if ((current + piece).trim().length <= limit) {
      current += piece;
      continue;
    }
    flush();
    if (piece.trim().length <= limit) {
      current = piece;
      continue;
    }
    // A sentence longer than the limit: by words, then by characters.
    for (const word of piece.split(/(\s+)/)) {
      if ((current + word).trim().length <= limit) {
        current += word;
        continue;
      }
      flush();
      let w = word.trim();
      while (w.length > limit) {
        out.push(w.slice(0, limit));
        w = w.slice(limit);
      }
      current = w;
    }
  }
  flush();
  return out;
}

/**
 * The built-in deterministic responder (LX_LLM=offline): no network, same input → same reply.
 * Good enough to demo and test the whole pipeline without an LLM key.
 */
export function offlineReply(p: { agentName: string; language: string; customerText: string }): string {
  const quoted = p.customerText.trim().replace(/\s+/g, " ").slice(0, 200);
  const lang = p.language.toLowerCase();
  if (lang.startsWith("pt")) {
    return `Olá! Aqui é ${p.agentName}. Recebi sua mensagem: “${quoted}”. Estou no modo de demonstração offline; como posso ajudar?`;
  }
  if (lang.startsWith("es")) {
    return `¡Hola! Soy ${p.agentName}. Recibí tu mensaje: “${quoted}”. Estoy en modo de demostración sin conexión; ¿cómo puedo ayudarte?`;
  }
  return `Hi! This is ${p.agentName}. I got your message: “${quoted}”. I'm in offline demo mode; how can I help?`;
}

/**
 * Who acts in the audit log. Constants only (browser-safe): the database's CHECK lists
 * (packages/db `ACTOR_TYPES`), the writers of audit events and the console's audit page read them.
 */

/**
 * An actor's kind (`audit_events.actor_type`, `agent_activations.actor_type`): a console user, `lx`
 * (the CLI), the platform itself, a worker process, Meta.
 */
export const ACTOR_TYPES = ["user", "cli", "system", "worker", "meta"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/**
 * The platform's own actors, each recorded by a fixed English label (`actor_label`): the console
 * words them in its language, and the audit filter matches them whole ("cli" must not also find
 * "cliente@…"). A user is recorded by e-mail and a worker process by its id (`worker-3f2a`), as they are.
 */
export const PLATFORM_ACTORS = {
  system: { type: "system", label: "system" },
  cli: { type: "cli", label: "cli" },
  /** Meta, as the actor of the changes its webhooks make (template statuses, numbers). */
  meta: { type: "meta", label: "meta" },
  /** The handoff scheduler (a conversation handed back to the bot on its timeout), run by a worker. */
  scheduler: { type: "worker", label: "scheduler" },
  /** The password-by-e-mail flow: anyone can ask for it, so no requester is named. */
  passwordMail: { type: "system", label: "password reset by e-mail" },
} as const satisfies Record<string, { type: ActorType; label: string }>;

export type PlatformActorLabel = (typeof PLATFORM_ACTORS)[keyof typeof PLATFORM_ACTORS]["label"];

export const PLATFORM_ACTOR_LABELS: readonly PlatformActorLabel[] = Object.values(PLATFORM_ACTORS).map((actor) => actor.label);

export function isPlatformActorLabel(label: string): label is PlatformActorLabel {
  return (PLATFORM_ACTOR_LABELS as readonly string[]).includes(label);
}

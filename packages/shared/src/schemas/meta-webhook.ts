import { z } from "zod";

/**
 * Meta's WhatsApp webhook envelope, validated loosely: the fields we route and dedupe on are
 * checked, everything else passes through untouched (Meta adds fields over time; an unknown field
 * must never make us drop a customer's message).
 */
const ZMetaError = z.looseObject({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});
export type TMetaError = z.infer<typeof ZMetaError>;

export const ZMetaContact = z.looseObject({
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
});

export const ZMetaInboundMessage = z.looseObject({
  id: z.string().min(1),
  from: z.string().optional(),
  from_user_id: z.string().optional(),
  timestamp: z.string().optional(),
  type: z.string(),
  context: z.looseObject({ id: z.string().optional(), from: z.string().optional() }).optional(),
  errors: z.array(ZMetaError).optional(),
});
export type TMetaInboundMessage = z.infer<typeof ZMetaInboundMessage>;

export const ZMetaStatus = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(ZMetaError).optional(),
});
export type TMetaStatus = z.infer<typeof ZMetaStatus>;

export const ZMetaChangeValue = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({ phone_number_id: z.string(), display_phone_number: z.string().optional() }).optional(),
  contacts: z.array(ZMetaContact).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  errors: z.array(ZMetaError).optional(),
});
export type TMetaChangeValue = z.infer<typeof ZMetaChangeValue>;

export const ZMetaWebhook = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string().optional(), value: z.unknown() })).default([]),
    }),
  ),
});
export type TMetaWebhook = z.infer<typeof ZMetaWebhook>;

/**
 * A `message_template_status_update` change: Meta approved, rejected, paused or disabled one of the
 * WABA's templates (the entry's `id` is the WABA's). Meta's ids may come as numbers.
 */
export const ZMetaTemplateStatusUpdate = z.looseObject({
  event: z.string(),
  message_template_name: z.string(),
  message_template_language: z.string(),
  reason: z.string().nullish(),
});
export type TMetaTemplateStatusUpdate = z.infer<typeof ZMetaTemplateStatusUpdate>;

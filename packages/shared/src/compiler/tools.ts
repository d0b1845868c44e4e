/**
 * Tool definitions (OpenAI Chat Completions `tools` entries) per AGENT_SPEC.md's tool table.
 * Descriptions are in English whatever the agent language: they address the model, not the customer.
 */
import type { TAgentSpec } from "../schemas/agent-spec.ts";
import type { ToolDefinition } from "./bundle.ts";

function tool(
  name: ToolDefinition["function"]["name"],
  description: string,
  parameters: Record<string, unknown>,
): ToolDefinition {
  return { type: "function", function: { name, description, parameters } };
}

function serviceParameter(serviceNames: string[]): Record<string, unknown> {
  return serviceNames.length > 0
    ? { type: "string", enum: serviceNames, description: "The service the customer wants" }
    : { type: "string", description: "The service the customer wants" };
}

/** The tools a spec enables, in a fixed order: handoff_to_human, check_availability, book_slot, create_deal. */
export function buildTools(spec: TAgentSpec): ToolDefinition[] {
  const tools: ToolDefinition[] = [];
  const timeZone = spec.agent.timezone;
  const serviceNames = [...new Set((spec.services ?? []).map((service) => service.name.trim()))];

  if (spec.handoff.allowModelRequest) {
    tools.push(
      tool(
        "handoff_to_human",
        "Hand the conversation over to a person from the team. Use it when the customer asks for a person, is upset, the matter is urgent or sensitive, or you cannot solve it. After calling it, write nothing else.",
        {
          type: "object",
          properties: {
            reason: { type: "string", description: "Why a person is needed, in one short sentence" },
          },
          required: ["reason"],
          additionalProperties: false,
        },
      ),
    );
  }

  if (spec.plugins?.calendar !== undefined) {
    tools.push(
      tool(
        "check_availability",
        `List the free appointment slots of one day (business time zone ${timeZone}). Call it before suggesting times.`,
        {
          type: "object",
          properties: {
            date: {
              type: "string",
              pattern: "^\\d{4}-\\d{2}-\\d{2}$",
              description: `Day to check, YYYY-MM-DD, in ${timeZone}`,
            },
            service: serviceParameter(serviceNames),
          },
          required: ["date"],
          additionalProperties: false,
        },
      ),
      tool(
        "book_slot",
        "Book a slot returned by check_availability, only after the customer confirmed service, day and time. Tell the customer it is booked only if this tool says so.",
        {
          type: "object",
          properties: {
            start: {
              type: "string",
              format: "date-time",
              description: `Slot start exactly as returned by check_availability (ISO-8601 with offset, ${timeZone})`,
            },
            service: serviceParameter(serviceNames),
            name: { type: "string", description: "The customer's name" },
          },
          required: ["start"],
          additionalProperties: false,
        },
      ),
    );
  }

  const crm = spec.plugins?.crm;
  if (crm !== undefined) {
    const fields = [...new Set(crm.qualifyFields)];
    const fieldProperties = Object.fromEntries(
      fields.map((field) => [field, { type: "string", description: `The customer's ${field}` }]),
    );
    tools.push(
      tool(
        "create_deal",
        fields.length > 0
          ? `Record a qualified lead in the CRM once you know: ${fields.join(", ")}.`
          : "Record a qualified lead in the CRM once you understand what the customer needs.",
        {
          type: "object",
          properties: {
            title: { type: "string", description: "Short deal title, e.g. the customer's name and the service" },
            fields: {
              type: "object",
              description: "What you learned while qualifying the customer",
              properties: fieldProperties,
              additionalProperties: fields.length > 0 ? false : { type: "string" },
            },
          },
          required: ["title", "fields"],
          additionalProperties: false,
        },
      ),
    );
  }
  return tools;
}

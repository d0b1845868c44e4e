import { Select } from "../../components/ui/field.tsx";

/** An agent a select offers: its slug and the name it is shown by. */
export type AgentChoice = { slug: string; label: string };

/** A select of agents; a value that names no agent (any more) stays selectable, so it shows. */
export function AgentSelect({
  id,
  agents,
  value,
  describedBy,
  invalid,
  onChange,
}: {
  id: string;
  agents: readonly AgentChoice[];
  value: string;
  describedBy?: string;
  invalid?: boolean;
  onChange: (agent: string) => void;
}) {
  const known = agents.some((a) => a.slug === value);
  return (
    <Select
      id={id}
      value={value}
      aria-describedby={describedBy}
      aria-invalid={invalid}
      onChange={(event) => onChange(event.target.value)}
    >
      {known ? null : <option value={value}>{value || "—"}</option>}
      {agents.map((agent, index) => (
        <option key={index} value={agent.slug}>
          {agent.label} ({agent.slug})
        </option>
      ))}
    </Select>
  );
}

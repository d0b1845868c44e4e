import { useSearchParams } from "react-router";

import { METRICS_DAYS } from "@lx/shared/schemas";

type Days = (typeof METRICS_DAYS)[number];

/** The metrics period from the URL (`?days=7`), 30 by default. */
export function useMetricsDays(): [Days, (days: Days) => void] {
  const [params, setParams] = useSearchParams();
  const raw = Number(params.get("days"));
  const days = (METRICS_DAYS as readonly number[]).includes(raw) ? (raw as Days) : 30;
  return [days, (next) => setParams(next === 30 ? {} : { days: String(next) })];
}

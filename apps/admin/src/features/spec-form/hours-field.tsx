import { Button } from "../../components/ui/button.tsx";
import { FieldErrors, Input } from "../../components/ui/field.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { getIn, pathKey, type Path } from "../../lib/paths.ts";
import { useForm } from "./fields.tsx";
import { hoursByDay, newInterval, type HoursInterval } from "./hours.ts";

/**
 * `business.hours` as a week: one row per day with its intervals (several allowed; none: closed),
 * each interval's opening and closing times, and its errors (`business.hours.3.close: must be after
 * open`, an overlap on `business.hours.3`) under it. Intervals keep their place in the spec's list;
 * removing the last one removes `hours` (the same as not stating them).
 */
export function HoursField({ path }: { path: Path }) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const h = t.specForm.hours;
  const raw = getIn(spec, path);
  const list = Array.isArray(raw) ? (raw as unknown[]) : [];
  const { days, unknown } = hoursByDay(raw);
  const listErrors = errorsAt(path);

  const remove = (index: number) => {
    const rest = list.filter((_, i) => i !== index);
    update(path, rest.length === 0 ? undefined : rest);
  };

  const interval = (dayName: string, item: HoursInterval, n: number) => {
    const at = [...path, item.index];
    const openErrors = errorsAt([...at, "open"]);
    const closeErrors = errorsAt([...at, "close"]);
    const errors = [...errorsAt(at), ...errorsAt([...at, "day"]), ...openErrors, ...closeErrors];
    return (
      <div key={item.index} className="space-y-1" data-path={pathKey(at)}>
        <div className="flex items-center gap-1">
          <Input
            aria-label={h.open(dayName, n)}
            aria-invalid={openErrors.length > 0 || errorsAt(at).length > 0}
            value={item.open}
            placeholder="09:00"
            maxLength={5}
            inputMode="numeric"
            onChange={(event) => update([...at, "open"], event.target.value)}
            data-path={pathKey([...at, "open"])}
            className="w-[4.5rem] px-2 text-center tabular-nums"
          />
          <span className="text-slate-400" aria-hidden>
            –
          </span>
          <Input
            aria-label={h.close(dayName, n)}
            aria-invalid={closeErrors.length > 0 || errorsAt(at).length > 0}
            value={item.close}
            placeholder="18:00"
            maxLength={5}
            inputMode="numeric"
            onChange={(event) => update([...at, "close"], event.target.value)}
            data-path={pathKey([...at, "close"])}
            className="w-[4.5rem] px-2 text-center tabular-nums"
          />
          <Button
            variant="ghost"
            size="sm"
            className="text-slate-400 hover:text-rose-600"
            aria-label={h.remove(dayName, n)}
            onClick={() => remove(item.index)}
          >
            ✕
          </Button>
        </div>
        {errors.length > 0 ? <FieldErrors messages={errors} /> : null}
      </div>
    );
  };

  return (
    <fieldset className="space-y-2" data-path={pathKey(path)}>
      <legend className="text-sm font-medium text-slate-700">
        {h.label}
        <span className="ml-1 font-normal text-slate-400">({t.common.optional})</span>
      </legend>
      <p className="text-xs text-slate-500">{list.length === 0 ? `${h.notStated} ${h.hint}` : h.hint}</p>
      <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200">
        {days.map(({ day, intervals }) => {
          const dayName = h.days[day] ?? day;
          return (
            <li key={day} className="flex flex-wrap items-start gap-x-3 gap-y-2 px-3 py-2" data-day={day}>
              <span className="w-16 shrink-0 pt-2 text-sm font-medium text-slate-700">{dayName}</span>
              <div className="flex min-w-0 flex-1 flex-wrap items-start gap-x-4 gap-y-2">
                {intervals.length === 0 ? (
                  <span className="pt-2 text-sm text-slate-400">{h.closed}</span>
                ) : (
                  intervals.map((item, i) => interval(dayName, item, i + 1))
                )}
              </div>
              <Button
                variant="secondary"
                size="sm"
                className="mt-0.5"
                aria-label={h.addTo(dayName)}
                onClick={() => update(path, [...list, newInterval(raw, day)])}
              >
                + {h.add}
              </Button>
            </li>
          );
        })}
        {unknown.map((item) => {
          const dayName = h.unknownDay(item.day);
          return (
            <li key={`unknown-${item.index}`} className="flex flex-wrap items-start gap-3 px-3 py-2">
              <span className="shrink-0 pt-2 text-sm font-medium text-rose-700">{dayName}</span>
              {interval(dayName, item, 1)}
            </li>
          );
        })}
      </ul>
      {listErrors.length > 0 ? <FieldErrors messages={listErrors} /> : null}
    </fieldset>
  );
}

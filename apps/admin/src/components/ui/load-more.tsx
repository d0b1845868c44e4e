import { Button } from "./button.tsx";

/** The "load more" footer of a paged list: a react-query infinite query and its next page. */
export function LoadMore({
  list,
  label,
}: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };
  label: string;
}) {
  if (!list.hasNextPage) {
    return null;
  }
  return (
    <div className="flex justify-center border-t border-slate-200 p-3">
      <Button size="sm" variant="secondary" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
        {label}
      </Button>
    </div>
  );
}

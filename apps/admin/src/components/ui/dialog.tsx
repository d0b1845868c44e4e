import { useEffect, useId, useRef, useState, type ComponentProps, type ReactNode } from "react";

import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useSingleFlight } from "../../lib/single-flight.ts";
import { Button, type ButtonVariant } from "./button.tsx";
import { FormError } from "./states.tsx";

/**
 * A modal built on the native <dialog> (focus trap, Escape and inert background for free).
 * Open/closed is controlled by `open`; Escape or the backdrop call `onClose`.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  wide,
  dismissible = true,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
  /** For a form of several columns (2xl instead of md). */
  wide?: boolean;
  /** false: Escape and a click on the backdrop do not close it (only its own buttons do). */
  dismissible?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) {
      return;
    }
    if (open && !dialog.open) {
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onCancel={(event) => {
        event.preventDefault();
        if (dismissible) {
          onClose();
        }
      }}
      onClick={(event) => {
        if (dismissible && event.target === ref.current) {
          onClose();
        }
      }}
      className={`m-auto w-full ${wide ? "max-w-2xl" : "max-w-md"} rounded-xl bg-white p-0 text-slate-900 shadow-xl ring-1 ring-slate-200 backdrop:bg-slate-900/40 backdrop:backdrop-blur-[1px]`}
    >
      {open ? (
        <div className="p-6">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {title}
          </h2>
          {description ? (
            <div id={descriptionId} className="mt-2 text-sm text-slate-600">
              {description}
            </div>
          ) : null}
          {children ? <div className="mt-4">{children}</div> : null}
          {footer ? <div className="mt-6 flex justify-end gap-2">{footer}</div> : null}
        </div>
      ) : null}
    </dialog>
  );
}

/**
 * "Are you sure?" with a cancel and a confirm button. `onConfirm` returns the action's promise
 * (`mutateAsync`, not `mutate`): while it is pending the dialog runs no other confirm — a double
 * click, Enter pressed twice or a click on a button still enabled all count once — shows the confirm
 * button busy and stays open. A rejection re-enables it, so trying again after an error works; the
 * caller still shows the error (its toast or inline message): the dialog only swallows the rejection.
 * An `onConfirm` that returns nothing did its work at once. `busy` marks the dialog busy for a
 * reason of the caller's own.
 */
export function ConfirmDialog({
  open,
  onClose,
  onConfirm,
  title,
  description,
  confirmLabel,
  confirmVariant = "primary",
  confirmDisabled,
  busy,
  children,
}: {
  open: boolean;
  onClose: () => void;
  onConfirm: () => Promise<unknown> | void;
  title: ReactNode;
  description?: ReactNode;
  confirmLabel: string;
  confirmVariant?: ButtonVariant;
  /** The confirm button stays off (e.g. until an acknowledgement is ticked). */
  confirmDisabled?: boolean;
  busy?: boolean;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  // A double click confirmed twice (two rollbacks walked back two versions) before `busy` was set.
  const [pending, setPending] = useState(false);
  const once = useSingleFlight(setPending);
  const confirm = () => void once(onConfirm);
  const working = Boolean(busy) || pending;
  return (
    <Dialog
      open={open}
      onClose={working ? () => undefined : onClose}
      title={title}
      description={description}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={working}>
            {t.common.cancel}
          </Button>
          <Button
            variant={confirmVariant}
            onClick={confirm}
            loading={working}
            // `confirmDisabled={false}` must not re-enable it while the confirm runs.
            disabled={working || confirmDisabled}
            data-testid="confirm-button"
          >
            {confirmLabel}
          </Button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}

/**
 * A `ConfirmDialog` whose confirmation runs one mutation: busy while it runs, its error shown above
 * `children`, and closing it forgets both (the mutation is reset).
 */
export function MutationConfirmDialog({
  mutation,
  onClose,
  children,
  ...props
}: Omit<ComponentProps<typeof ConfirmDialog>, "busy"> & {
  mutation: { isPending: boolean; error: unknown; reset: () => void };
}) {
  const { t } = useI18n();
  const close = () => {
    mutation.reset();
    onClose();
  };
  return (
    <ConfirmDialog {...props} onClose={close} busy={mutation.isPending}>
      {mutation.error ? <FormError>{errorMessage(mutation.error, t)}</FormError> : null}
      {children}
    </ConfirmDialog>
  );
}

/** A dialog form's cancel and submit buttons (the submit shows `busy`; both wait while it is). */
export function FormFooter({
  busy,
  submitLabel,
  onCancel,
}: {
  busy: boolean;
  submitLabel: string;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <div className="mt-6 flex justify-end gap-2">
      <Button variant="secondary" onClick={onCancel} disabled={busy}>
        {t.common.cancel}
      </Button>
      <Button type="submit" loading={busy}>
        {submitLabel}
      </Button>
    </div>
  );
}

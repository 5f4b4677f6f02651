'use client';

export const REASON_MIN = 3;
export const REASON_MAX = 500;

export const reasonOk = (reason: string) => reason.trim().length >= REASON_MIN && reason.trim().length <= REASON_MAX;

/** The operator's reason, required before anything is called; it goes into the audit trail. */
export function ReasonField({ value, onChange, disabled }: { value: string; onChange: (v: string) => void; disabled?: boolean }) {
  return (
    <label className="field field--block">
      <span className="field__label">Reason (required, recorded in the audit trail)</span>
      <textarea
        name="reason"
        rows={2}
        maxLength={REASON_MAX}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        placeholder="e.g. INC-1234: payment declined, stock still reserved"
        data-testid="action-reason"
      />
      <span className="muted">
        {value.trim().length}/{REASON_MAX}
        {value.trim().length > 0 && value.trim().length < REASON_MIN ? ` — at least ${REASON_MIN} characters` : ''}
      </span>
    </label>
  );
}

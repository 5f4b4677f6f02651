import { attributeValueToText } from '@/lib/ui/format';

/**
 * Key/value table of span or resource attributes. Values are untrusted input
 * from instrumented services: rendered as React text only (escaped), URLs stay
 * plain text rather than links.
 */
export function AttributeTable({ attributes, caption }: { attributes: Record<string, unknown> | null | undefined; caption?: string }) {
  const entries = Object.entries(attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (
    <table className="attr-table">
      {caption ? <caption>{caption}</caption> : null}
      <tbody>
        {entries.length === 0 ? (
          <tr>
            <td colSpan={2} className="muted">
              none
            </td>
          </tr>
        ) : (
          entries.map(([key, value]) => (
            <tr key={key}>
              <th scope="row" className="mono">
                {key}
              </th>
              <td className="mono attr-table__value">{attributeValueToText(value)}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/** Shown when a saga is over SAGASCOPE_MAX_SAGA_SPANS: what the page and the summary cover. */
export function SagaSizeNotice({ sizes }: { sizes: { modelled: number; stored: number } | null }) {
  if (!sizes) return null;
  const n = (x: number) => x.toLocaleString('en');
  return (
    <section className="section" data-testid="saga-size-limit">
      <h2>Saga over the size limit</h2>
      <p>
        {n(sizes.stored)} spans are stored for this saga; its status, steps and anomalies cover the first {n(sizes.modelled)} by start
        time (<code>SAGASCOPE_MAX_SAGA_SPANS</code>). The later spans are on the trace pages.
      </p>
    </section>
  );
}

'use client';

/** Unexpected failures (database down, a bug). Details stay in the server log. */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && 'digest' in error ? String((error as { digest?: unknown }).digest ?? '') : '';
  return (
    <section className="panel panel--error" role="alert" data-testid="page-error">
      <h1>This page could not be loaded</h1>
      <p>
        The server failed while reading data. If the database was unreachable, trying again may work.
        {digest ? (
          <>
            {' '}
            The server log has the details under reference <code>{digest}</code>.
          </>
        ) : null}
      </p>
      <button type="button" className="button button--primary" onClick={() => retry()}>
        Try again
      </button>
    </section>
  );
}

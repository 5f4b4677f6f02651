import Link from 'next/link';

export default function NotFound() {
  return (
    <section className="panel" data-testid="not-found">
      <h1>Not found</h1>
      <p>
        Nothing is recorded under this address. Spans may not have arrived yet, or retention may have removed them.
      </p>
      <p>
        <Link href="/sagas">Back to sagas</Link>
      </p>
    </section>
  );
}

import Link from 'next/link';
import { sagaListHref } from '@/lib/ui/saga-list-params';

/**
 * The saga's business keys (order, payment, user ids … lib/search/keys.ts).
 * Each links to the saga list filtered on that key, so "which other sagas
 * touched this order?" is one click. Values are sender text: rendered as text.
 */
export function SagaKeys({ keys }: { keys: readonly { name: string; value: string }[] }) {
  if (keys.length === 0) return null;
  return (
    <section className="saga-keys" aria-labelledby="saga-keys-title" data-testid="saga-keys">
      <h2 id="saga-keys-title" className="saga-keys__title">
        Business keys
      </h2>
      <ul className="inline-list">
        {keys.map((k) => (
          <li key={`${k.name}\u0000${k.value}`}>
            <Link
              href={sagaListHref({ key: `${k.name}:${k.value}` })}
              title={`Sagas with ${k.name} = ${k.value}`}
              data-testid="saga-key"
            >
              <span className="muted">{k.name}</span> <span className="mono">{k.value}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { getDb } from '@/lib/db';
import { anyUserExists } from '@/lib/auth/user-store';
import { currentPrincipal, safeNext } from '../_lib/auth';
import { LoginForm } from '@/components/auth/LoginForm';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNext((await searchParams).next);
  const principal = await currentPrincipal();
  if (principal.kind === 'user') redirect(next);
  const usersExist = await anyUserExists(await getDb());
  return (
    <div className="page page--narrow">
      <section className="panel">
        <h1>Sign in to sagascope</h1>
        {usersExist ? (
          <LoginForm next={next} />
        ) : (
          <div data-testid="no-users">
            <p>No user exists yet. Create the first admin:</p>
            <ul>
              <li>
                with the one-time setup token <code>npm start</code> printed: <Link href="/setup">set up the first admin</Link>, or
              </li>
              <li>
                from a shell: <code>npm run user:create -- --admin &lt;name&gt;</code>
              </li>
            </ul>
          </div>
        )}
      </section>
    </div>
  );
}

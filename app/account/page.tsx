import type { Metadata } from 'next';
import { requirePage } from '../_lib/auth';
import { PasswordForm } from '@/components/auth/PasswordForm';
import { Timestamp } from '@/components/time/Timestamp';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage() {
  const p = await requirePage('self', '/account');
  if (p.kind !== 'user') return null;
  return (
    <div className="page page--narrow">
      <section className="panel">
        <h1>{p.name}</h1>
        <p>
          Role <strong>{p.role}</strong>. This session ends <Timestamp iso={p.sessionExpiresAt} />.
        </p>
      </section>
      <section className="section" aria-labelledby="pw-h">
        <h2 id="pw-h">Change password</h2>
        <PasswordForm />
      </section>
    </div>
  );
}

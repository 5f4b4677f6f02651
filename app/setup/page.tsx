import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getDb } from '@/lib/db';
import { anyUserExists } from '@/lib/auth/user-store';
import { SetupForm } from '@/components/auth/SetupForm';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'First admin' };

export default async function SetupPage() {
  if (await anyUserExists(await getDb())) redirect('/login');
  return (
    <div className="page page--narrow">
      <section className="panel">
        <h1>Create the first admin</h1>
        <p className="muted">
          Paste the setup token that <code>npm start</code> printed (or the value of <code>SAGASCOPE_SETUP_TOKEN</code>). It works once,
          and only while no user exists.
        </p>
        <SetupForm />
      </section>
    </div>
  );
}

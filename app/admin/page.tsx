import type { Metadata } from 'next';
import Link from 'next/link';
import { getDb } from '@/lib/db';
import { listApiTokens, listUsers } from '@/lib/auth/user-store';
import { currentReadOnly, requirePage } from '../_lib/auth';
import { UsersPanel } from '@/components/admin/UsersPanel';
import { TokensPanel } from '@/components/admin/TokensPanel';
import { SettingsPanel } from '@/components/admin/SettingsPanel';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Admin' };

export default async function AdminPage() {
  const p = await requirePage('admin', '/admin');
  const db = await getDb();
  const [users, tokens, readOnly] = await Promise.all([listUsers(db), listApiTokens(db), currentReadOnly()]);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Admin</h1>
        <Link className="button" href="/admin/alerts">
          Alerts
        </Link>
      </div>
      <UsersPanel users={users} me={p.kind === 'user' ? p.name : ''} />
      <TokensPanel tokens={tokens} />
      <SettingsPanel readOnly={readOnly} />
    </div>
  );
}

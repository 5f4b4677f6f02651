import type { Metadata } from 'next';
import Link from 'next/link';
import { rolesWith, PERMISSIONS, type Permission } from '@/lib/auth/roles';

export const metadata: Metadata = { title: 'Not allowed' };

export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const need = (await searchParams).need;
  const permission = PERMISSIONS.find((p) => p === need) as Permission | undefined;
  return (
    <section className="panel panel--error" role="alert" data-testid="forbidden">
      <h1>Not allowed</h1>
      <p>
        {permission ? `This page needs the ${rolesWith(permission).join(' or ')} role.` : 'Your role does not allow this page.'} Ask an admin, or{' '}
        <Link href="/sagas">go back to the sagas</Link>.
      </p>
    </section>
  );
}
